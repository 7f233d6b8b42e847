{#-
    Consent per customer_key and purpose as intervals of business dates: one row per customer,
    purpose and valid_from, with whether the consent is in force from valid_from up to
    valid_to (exclusive; 9999-12-31 while current). "As of D" is valid_from <= D < valid_to;
    the current consent is is_current.

    Rules (interface spec 4, chan_consent):
      - no event for a purpose = no consent: a customer with no row for a purpose has not
        consented (marts treat a missing row as FALSE);
      - events are per source customer number and resolve to customer_key through
        customer_xref; the customer's consent for a purpose follows the LATEST event over all
        of their records (the person's most recent expressed will), ordered by event_ts, a
        WITHDRAW winning a tie with a GRANT;
      - an event takes effect from the business date of the batch that delivered it (the
        first batch's historic GRANTs from the first date), so a withdrawal delivered on T
        removes the customer from T's marketing lists, which are the ones used on T+1.
    Cost: O(consent events), not customers x dates; rebuilt as a table each run.
-#}
with events as (
    select * from {{ ref('stg_chan__consent_events') }}
    where biz_date <= {{ current_biz_date() }}
),

xref as (
    select * from {{ ref('customer_xref') }}
),

resolved as (
    select
        xref.customer_key,
        events.purpose,
        events.action,
        events.event_ts,
        events.event_id,
        events.channel,
        events.source_system,
        events.biz_date
    from events
    inner join xref
        on
            events.source_system = xref.source_system
            and events.source_cust_no = xref.source_customer_no
    where events.purpose is not null and events.action is not null
),

last_of_day as (
    {#- the state a customer ends each delivery date with: the latest event delivered up to
        that date (an event delivered late with an older event_ts does not override a newer
        one already in force) -#}
    select
        *,
        row_number() over (
            partition by customer_key, purpose, biz_date
            order by
                event_ts desc,
                case action when 'WITHDRAW' then 0 else 1 end,
                event_id desc
        ) as day_rank
    from resolved
),

day_states as (
    select * from last_of_day
    where day_rank = 1
),

running as (
    {#- newest event seen so far, over the delivery dates -#}
    select
        day_states.*,
        max(day_states.event_ts) over (
            partition by day_states.customer_key, day_states.purpose
            order by day_states.biz_date
            rows between unbounded preceding and 1 preceding
        ) as previous_max_event_ts
    from day_states
),

effective as (
    select * from running
    where previous_max_event_ts is null or event_ts >= previous_max_event_ts
),

intervals as (
    select
        customer_key,
        purpose,
        biz_date as valid_from,
        coalesce(
            lead(biz_date) over (partition by customer_key, purpose order by biz_date),
            cast('9999-12-31' as date)
        ) as valid_to,
        action = 'GRANT' as is_granted,
        action as last_action,
        event_ts as last_event_ts,
        channel as last_channel,
        source_system as last_source_system
    from effective
),

final as (
    select
        customer_key,
        purpose,
        valid_from,
        valid_to,
        is_granted,
        last_action,
        last_event_ts,
        last_channel,
        last_source_system,
        valid_to = cast('9999-12-31' as date) as is_current
    from intervals
)

select * from final
