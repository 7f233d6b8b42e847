{#-
    Customer tiers, one row per customer and month (the tier history), as of the month end or,
    for the current month, the latest business date.

    qualifying tier of a month: the tier of that month's average AUM (month-to-date for the
    current month), thresholds vars tier_potential_min_aum / tier_affluent_min_aum /
    tier_private_min_aum (50,000 / 500,000 / 6,000,000 CNY).
    tier in force in month M (upgraded the following month, downgraded only after N
    consecutive months below):
      - private_banking when the customer qualified for it in any of the last
        tier_private_downgrade_months (6) complete months before M;
      - otherwise the highest tier qualified for in the last tier_downgrade_months (3)
        complete months before M;
      - a customer with no earlier month within that window starts in mass (upgraded the
        month after its first month, like any upgrade), so a month's tier is fixed on its
        first day.
    Every customer who held something in the month (to date) has a row; the branch codes are
    those of the primary branch on as_of_date, NULL (head office file only) for a customer
    who holds nothing any more (holds_products FALSE).
    This rolling maximum is exactly "upgrade the month after qualifying; downgrade only when
    the last N months were all below the tier, to the best tier of those months" (the lemma is
    in the yml). Missing months count as mass (no AUM).

    Incremental by month: a daily run at T recomputes T's month only, from the month-end state
    of up to 7 earlier months (int_customer_month_state), so it costs one month row per
    customer; a --full-refresh computes every month the same way.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='month_start_date',
    on_schema_change='fail',
) }}
{%- set n_down = mart_param('tier_downgrade_months') | int %}
{%- set n_private = mart_param('tier_private_downgrade_months') | int %}
{#- a daily run reads the state of the months the windows need (and one spare) -#}
{%- if is_incremental() %}
    {%- set state_from = mart_add_days(month_start(current_biz_date()), -(31 * (n_private + 2))) %}
{%- else %}
    {%- set state_from = "cast('1900-01-01' as date)" %}
{%- endif %}

with state as (
    select
        *,
        {{ month_index('biz_date') }} as month_no,
        row_number() over (
            partition by customer_key, month_start_date order by biz_date desc
        ) as recency
    from {{ ref('int_customer_month_state') }}
    where
        biz_date <= {{ current_biz_date() }}
        and biz_date >= {{ state_from }}
),

months as (
    select
        customer_key,
        month_start_date,
        month_no,
        biz_date as as_of_date,
        is_month_end as is_month_complete,
        month_days,
        cast({{ round_double('cast(aum_sum_mtd as double) / month_days', 2) }} as decimal(38, 2))
            as month_avg_aum_cny,
        {{ tier_rank_of_aum('aum_sum_mtd / month_days') }} as qualifying_tier_rank
    from state
    where recency = 1 and days_present_mtd > 0
),

ruled as (
    select
        months.*,
        {%- for name, upper, lower in [
            ('best_rank_private_window', n_private, 1),
            ('best_rank_window', n_down, 1),
            ('prev_best_rank_private_window', n_private + 1, 2),
            ('prev_best_rank_window', n_down + 1, 2),
            ('previous_month_rank', 1, 1),
        ] %}
        max(months.qualifying_tier_rank) over (
            partition by months.customer_key order by months.month_no
            range between {{ upper }} preceding and {{ lower }} preceding
            ) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
    from months
),

tiered as (
    select
        ruled.*,
        {#- no earlier month in the window: a new (or returning) customer starts in mass and
            is upgraded the month after its first month, like everyone else; this keeps the
            tier of a month fixed from its first day (the KPI of any day of the month, built
            daily or rebuilt, counts the same tiers) -#}

        
        case
            when ruled.best_rank_private_window = 4 then 4
            when ruled.best_rank_window is not null then ruled.best_rank_window
            else 1
        end as tier_rank,
        case
            when ruled.prev_best_rank_private_window = 4 then 4
            when ruled.prev_best_rank_window is not null then ruled.prev_best_rank_window
            when ruled.previous_month_rank is not null then 1
        end as previous_tier_rank
    from ruled
),

current_rows as (
    select * from tiered
    {%- if is_incremental() %}
        where month_start_date = {{ month_start(current_biz_date()) }}
    {%- endif %}
),

customers as (
    select * from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

final as (
    select
        current_rows.month_start_date,
        current_rows.customer_key,
        current_rows.as_of_date,
        current_rows.is_month_complete,
        current_rows.month_days as days_in_average,
        current_rows.month_avg_aum_cny,
        {{ tier_name('current_rows.qualifying_tier_rank') }} as qualifying_tier,
        current_rows.qualifying_tier_rank,
        {{ tier_name('current_rows.tier_rank') }} as tier,
        current_rows.tier_rank,
        {{ tier_name('current_rows.previous_tier_rank') }} as previous_tier,
        case
            when current_rows.previous_tier_rank is null then 'new'
            when current_rows.tier_rank > current_rows.previous_tier_rank then 'upgrade'
            when current_rows.tier_rank < current_rows.previous_tier_rank then 'downgrade'
            else 'unchanged'
        end as tier_change,
        customers.customer_key is not null as holds_products,
        customers.rm_staff_id,
        customers.branch_code,
        {{ branch_code_columns('customers.') }}
    from current_rows
    left join customers
        on
            current_rows.as_of_date = customers.biz_date
            and current_rows.customer_key = customers.customer_key
)

select * from final
