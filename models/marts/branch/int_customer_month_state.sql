{#-
    Month-to-date state per customer, kept only at month ends and the latest business date:
    sums of the daily AUM, deposits, wealth, loans and card balances over the month so far (for
    month averages), the loan interest earned, card purchases and fees, counter transactions,
    and the last date each channel was used within the channel lookback (var
    channel_lookback_days, 90).

    Why a state table: month averages and "channels in the last 90 days" would otherwise scan a
    month (or 90 days) of facts every day. A daily run at T reads the state of the previous
    snapshot P (the latest row date before T) and only the facts of (P, T], so its cost follows
    T's volume; a post-hook then drops P's rows unless P is a month end. A first build or a
    --full-refresh computes every month end and T directly from the facts and yields the same
    rows (sums restart on the first of the month; channel dates older than the lookback are
    dropped in both). Customers are kept while they held something this month or used a
    channel within the lookback.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='biz_date',
    schema='intermediate',
    on_schema_change='fail',
    partition_by=['biz_date'],
    post_hook=["{{ drop_superseded_snapshots(this) }}"],
) }}
{%- set lookback = mart_param('channel_lookback_days') | int %}
{%- set channels = ['CNT', 'ATM', 'MOB', 'WEB', 'POS', 'SYS'] %}
{%- set balance_sums = {
    'aum_sum_mtd': 'aum_cny',
    'deposits_sum_mtd': 'deposits_cny',
    'demand_sum_mtd': 'demand_deposits_cny',
    'time_sum_mtd': 'time_deposits_cny',
    'wealth_sum_mtd': 'wealth_cny',
    'loans_sum_mtd': 'loans_cny',
    'card_outstanding_sum_mtd': 'card_outstanding_cny',
} %}
{%- set other_sums = ['loan_interest_mtd', 'card_purchases_mtd', 'card_fees_mtd',
    'counter_txns_mtd', 'days_present_mtd'] %}

with
{% if is_incremental() %}
    previous as (
        select max(biz_date) as prev_date from {{ this }}
        where biz_date < {{ current_biz_date() }}
    ),

    snapshots as (
        select
            {{ current_biz_date() }} as snapshot_date,
            previous.prev_date
        from previous
    ),
{% else %}
    snapshots as (
        select distinct
            biz_date as snapshot_date,
            cast(null as date) as prev_date
        from {{ ref('fct_customer_daily') }}
        where
            biz_date <= {{ current_biz_date() }}
            and ({{ is_month_end('biz_date') }} or biz_date = {{ current_biz_date() }})
    ),
{% endif %}

windows as (
    select
        snapshot_date,
        prev_date,
        {{ month_start('snapshot_date') }} as month_start_date,
        {#- exclusive lower bounds: sums restart with the month, channels look back N days -#}

        case
            when
                prev_date is not null
                and {{ month_start('prev_date') }} = {{ month_start('snapshot_date') }}
                then prev_date
            else {{ mart_add_days(month_start('snapshot_date'), -1) }}
        end as sum_after,
        case
            when prev_date > {{ mart_add_days('snapshot_date', -lookback) }} then prev_date
            else {{ mart_add_days('snapshot_date', -lookback) }}
        end as channel_after
    from snapshots
),

bounds as (
    select
        min(case when sum_after < channel_after then sum_after else channel_after end)
            as lower_bound
    from windows
),

customer_days as (
    select
        fct.biz_date,
        fct.customer_key,
        {%- for name, col in balance_sums.items() %}
            fct.{{ col }},
        {%- endfor %}
        1 as present
    from {{ ref('fct_customer_daily') }} as fct
    cross join bounds
    where fct.biz_date > bounds.lower_bound and fct.biz_date <= {{ current_biz_date() }}
),

loan_days as (
    select
        loans.biz_date,
        loans.customer_key,
        cast(sum(
            round(loans.principal_cny * coalesce(loans.interest_rate, 0) / 100 / 360, 2)
        ) as decimal(38, 2)) as loan_interest
    from {{ ref('fct_loan_balance_daily') }} as loans
    cross join bounds
    where
        loans.biz_date > bounds.lower_bound
        and loans.biz_date <= {{ current_biz_date() }}
        and loans.customer_key is not null
    group by loans.biz_date, loans.customer_key
),

txn_days as (
    select
        txns.biz_date,
        txns.customer_key,
        sum(case when txns.card_txn_type = 'PUR' then txns.amount_abs else 0 end)
        - sum(case when txns.card_txn_type = 'RFD' then txns.amount_abs else 0 end)
            as card_purchases,
        sum(case when txns.card_txn_type = 'FEE' then txns.amount_abs else 0 end) as card_fees,
        sum(case when txns.source_system = 'core' and txns.channel = 'CNT' then 1 else 0 end)
            as counter_txns,
    {%- for ch in channels %}
        max(case when txns.channel = '{{ ch }}' then txns.biz_date end)
            as last_{{ ch | lower }}_date{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ ref('fct_transactions') }} as txns
    cross join bounds
    where
        txns.biz_date > bounds.lower_bound
        and txns.biz_date <= {{ current_biz_date() }}
        and txns.customer_key is not null
    group by txns.biz_date, txns.customer_key
),

daily as (
    select
        coalesce(c.biz_date, l.biz_date, t.biz_date) as biz_date,
        coalesce(c.customer_key, l.customer_key, t.customer_key) as customer_key,
        {%- for name, col in balance_sums.items() %}
            coalesce(c.{{ col }}, 0) as {{ col }},
        {%- endfor %}
        coalesce(l.loan_interest, 0) as loan_interest,
        coalesce(t.card_purchases, 0) as card_purchases,
        coalesce(t.card_fees, 0) as card_fees,
        coalesce(t.counter_txns, 0) as counter_txns,
        coalesce(c.present, 0) as present,
    {%- for ch in channels %}
        t.last_{{ ch | lower }}_date{{ ',' if not loop.last }}
    {%- endfor %}
    from customer_days as c
    full outer join loan_days as l
        on c.biz_date = l.biz_date and c.customer_key = l.customer_key
    full outer join txn_days as t
        on
            coalesce(c.biz_date, l.biz_date) = t.biz_date
            and coalesce(c.customer_key, l.customer_key) = t.customer_key
),

business_days as (
    select distinct biz_date from customer_days
),

month_days as (
    select
        windows.snapshot_date,
        count(business_days.biz_date) as new_days
    from windows
    left join business_days
        on
            windows.sum_after < business_days.biz_date
            and windows.snapshot_date >= business_days.biz_date
    group by windows.snapshot_date
),

{# Which calendar days each snapshot reads, and for what: a few hundred rows. The facts then
    join it on the date (a hash join) instead of on the two date ranges (a range join sorted
    every customer-day of the month). #}
window_days as (
    select
        windows.snapshot_date,
        calendar.date_day as biz_date,
        calendar.date_day > windows.sum_after as in_month,
        calendar.date_day > windows.channel_after as in_lookback
    from windows
    inner join {{ ref('dim_date') }} as calendar
        on
            (windows.channel_after < calendar.date_day or windows.sum_after < calendar.date_day)
            and windows.snapshot_date >= calendar.date_day
),

new_state as (
    select
        window_days.snapshot_date,
        daily.customer_key,
        {%- for name, col in balance_sums.items() %}
            sum(case when window_days.in_month then daily.{{ col }} else 0 end) as {{ name }},
        {%- endfor %}
        sum(case when window_days.in_month then daily.loan_interest else 0 end)
            as loan_interest_mtd,
        sum(case when window_days.in_month then daily.card_purchases else 0 end)
            as card_purchases_mtd,
        sum(case when window_days.in_month then daily.card_fees else 0 end) as card_fees_mtd,
        sum(case when window_days.in_month then daily.counter_txns else 0 end)
            as counter_txns_mtd,
        sum(case when window_days.in_month then daily.present else 0 end) as days_present_mtd,
    {%- for ch in channels %}
        max(
            case when window_days.in_lookback then daily.last_{{ ch | lower }}_date end
        ) as last_{{ ch | lower }}_date{{ ',' if not loop.last }}
    {%- endfor %}
    from window_days
    inner join daily on window_days.biz_date = daily.biz_date
    group by window_days.snapshot_date, daily.customer_key
),

{% if is_incremental() %}
    carried as (
        select
            windows.snapshot_date,
            prior_state.customer_key,
            {%- for name in balance_sums.keys() | list + other_sums %}
                case
                    when
                        prior_state.month_start_date = windows.month_start_date
                        then prior_state.{{ name }}
                    else 0
                end
                    as {{ name }},
            {%- endfor %}
        {%- for ch in channels %}
            case
                when
                    prior_state.last_{{ ch | lower }}_date
                    > {{ mart_add_days('windows.snapshot_date', -lookback) }}
                    then prior_state.last_{{ ch | lower }}_date
            end as last_{{ ch | lower }}_date{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ this }} as prior_state
        inner join windows on prior_state.biz_date = windows.prev_date
    ),

    prior_days as (
        select
            windows.snapshot_date,
            max(
                case
                    when
                        prior_state.month_start_date = windows.month_start_date
                        then prior_state.month_days
                end
            )
                as prior_days
        from windows
        left join {{ this }} as prior_state on windows.prev_date = prior_state.biz_date
        group by windows.snapshot_date
    ),
{% else %}
carried as (
    select * from new_state where false
),

prior_days as (
    select
        snapshot_date,
        0 as prior_days
    from windows
),
{% endif %}

combined as (
    select * from new_state
    union all
    select * from carried
),

final as (
    select
        combined.snapshot_date as biz_date,
        combined.customer_key,
        windows.month_start_date,
        month_days.new_days + coalesce(prior_days.prior_days, 0) as month_days,
        {%- for name in balance_sums.keys() | list + other_sums %}
            {%- if name in ['counter_txns_mtd', 'days_present_mtd'] %}
                cast(sum(combined.{{ name }}) as bigint) as {{ name }},
            {%- else %}
                sum(combined.{{ name }}) as {{ name }},
            {%- endif %}
        {%- endfor %}
        {%- for ch in channels %}
            max(combined.last_{{ ch | lower }}_date) as last_{{ ch | lower }}_date,
        {%- endfor %}
        {{ is_month_end('combined.snapshot_date') }} as is_month_end
    from combined
    inner join windows on combined.snapshot_date = windows.snapshot_date
    inner join month_days on combined.snapshot_date = month_days.snapshot_date
    left join prior_days on combined.snapshot_date = prior_days.snapshot_date
    group by
        combined.snapshot_date,
        combined.customer_key,
        windows.month_start_date,
        month_days.new_days,
        prior_days.prior_days
)

select * from final
where
    days_present_mtd > 0
    {%- for ch in channels %}
        or last_{{ ch | lower }}_date is not null
    {%- endfor %}
