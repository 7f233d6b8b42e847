{#- Every birth, merge and split of a customer, by business date, with its reason:
      new    a customer_key appears for the first time (its records are new);
      merge  records of other_key moved into customer_key, a key that existed before T (two
             clusters joined; the older key survives because keys come from the earliest
             member), e.g. a new record bridged them;
      split  records of other_key moved to customer_key, a key that did not exist before T
             (a cluster came apart, e.g. a corrected identity number).
    reason names the match rules of the moved records. Incremental by biz_date like
    int_customer_xref_changes, which it reads. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with changes as (
    select * from {{ ref('int_customer_xref_changes') }}
),

today as (
    select * from changes
    where biz_date = {{ identity_biz_date() }}
),

earlier_keys as (
    select distinct customer_key
    from changes
    where biz_date < {{ identity_biz_date() }}
),

moves as (
    select
        today.customer_key,
        today.previous_customer_key as other_key,
        count(*) as records,
        min(today.match_rule) as first_rule,
        max(today.match_rule) as last_rule,
        max(case when earlier_keys.customer_key is not null then 1 else 0 end) = 1 as key_existed
    from today
    left join earlier_keys on today.customer_key = earlier_keys.customer_key
    where today.change = 'moved'
    group by today.customer_key, today.previous_customer_key
),

births as (
    select
        today.customer_key,
        count(*) as records,
        min(today.match_rule) as first_rule,
        max(today.match_rule) as last_rule
    from today
    left join earlier_keys on today.customer_key = earlier_keys.customer_key
    where
        today.change = 'new'
        and earlier_keys.customer_key is null
        and today.customer_key not in (
            select moves.customer_key from moves
            where not moves.key_existed
        )
    group by today.customer_key
),

events as (
    select
        customer_key,
        case when key_existed then 'merge' else 'split' end as event,
        other_key,
        records,
        case
            when key_existed
                then 'records of ' || other_key || ' joined, linked by '
            else 'records left ' || other_key || ', now linked by '
        end
        || first_rule
        || case when last_rule != first_rule then ', ' || last_rule else '' end as reason
    from moves
    union all
    select
        customer_key,
        'new' as event,
        cast(null as string) as other_key,
        records,
        'first delivery, linked by ' || first_rule
        || case when last_rule != first_rule then ', ' || last_rule else '' end as reason
    from births
),

final as (
    select
        {{ identity_biz_date() }} as biz_date,
        event,
        customer_key,
        other_key,
        records,
        reason
    from events
)

select * from final
