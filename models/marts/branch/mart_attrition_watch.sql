{#-
    Customers at risk of leaving, per business date D, with their branch and RM:
      - aum_drop: AUM fell by at least attrition_drop_ratio (30%) from the reference date, for
        customers whose AUM on the reference date was at least attrition_min_base_aum
        (50,000 CNY; below it a 30% move is noise);
      - main_account_closed: the customer's main account (largest demand deposit, D01/C01, on
        the reference date, ties to the lowest account number) is closed or gone on D. Time
        deposits are excluded: a maturity moves money to demand, it does not leave.
    The reference date is D minus attrition_lookback_days (30), or the first business date in
    the warehouse when that is later (so a young warehouse already watches). A customer who
    left completely (no row on D) has AUM 0 and keeps the reference date's branch and RM.
    Incremental by biz_date: a daily run reads the facts of T and of its reference date only.
    A customer is watched only if they have a row on the reference date (a customer who arrives
    after it has nothing to lose yet).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}
{%- set lookback = mart_param('attrition_lookback_days') | int %}

with first_date as (
    select min(biz_date) as first_biz_date from {{ ref('fct_customer_daily') }}
),

watch_dates as (
    select distinct
        fct.biz_date,
        case
            when {{ mart_add_days('fct.biz_date', -lookback) }} > first_date.first_biz_date
                then {{ mart_add_days('fct.biz_date', -lookback) }}
            else first_date.first_biz_date
        end as reference_date
    from {{ ref('fct_customer_daily') }} as fct
    cross join first_date
    where {{ biz_date_filter('fct.biz_date') }} and fct.biz_date > first_date.first_biz_date
),

reference_dates as (
    select distinct reference_date from watch_dates
),

-- Each customer's main account on each reference date: ranked on the reference dates only.
ranked_demand_accounts as (
    select
        balances.biz_date as reference_date,
        balances.customer_key,
        balances.acct_no as main_acct_no,
        balances.balance_cny as main_acct_reference_balance_cny,
        row_number() over (
            partition by balances.biz_date, balances.customer_key
            order by balances.balance_cny desc, balances.acct_no asc
        ) as size_rank
    from {{ ref('fct_deposit_balance_daily') }} as balances
    inner join reference_dates on balances.biz_date = reference_dates.reference_date
    where
        balances.customer_key is not null
        and balances.product_code in ('D01', 'C01')
),

main_accounts as (
    select
        reference_date,
        customer_key,
        main_acct_no,
        main_acct_reference_balance_cny
    from ranked_demand_accounts
    where size_rank = 1 and main_acct_reference_balance_cny > 0
),

-- The two reasons are found on narrow rows (keys, dates, amounts); only the customers watched
-- are then joined to their wide rows (RM, branch codes). Joining every customer's whole row of
-- every date to its reference date's spilled gigabytes on a month of facts.
main_account_closed as (
    select
        watch_dates.biz_date,
        main_accounts.customer_key
    from watch_dates
    inner join main_accounts on watch_dates.reference_date = main_accounts.reference_date
    left join {{ ref('fct_deposit_balance_daily') }} as current_acct
        on
            watch_dates.biz_date = current_acct.biz_date
            and main_accounts.main_acct_no = current_acct.acct_no
            and current_acct.customer_key is not null
            and current_acct.product_code in ('D01', 'C01')
    where coalesce(current_acct.account_status = 'C', true)
),

aum_drops as (
    select
        watch_dates.biz_date,
        reference.customer_key
    from watch_dates
    inner join {{ ref('fct_customer_daily') }} as reference
        on
            watch_dates.reference_date = reference.biz_date
            and reference.aum_cny >= {{ mart_param('attrition_min_base_aum') }}
    left join {{ ref('fct_customer_daily') }} as current_day
        on
            watch_dates.biz_date = current_day.biz_date
            and reference.customer_key = current_day.customer_key
    where
        coalesce(current_day.aum_cny, 0)
        <= reference.aum_cny * (1 - {{ mart_param('attrition_drop_ratio') }})
),

watched as (
    select
        biz_date,
        customer_key
    from aum_drops
    union
    select
        biz_date,
        customer_key
    from main_account_closed
),

compared as (
    select
        watch_dates.biz_date,
        watch_dates.reference_date,
        reference.customer_key,
        reference.aum_cny as aum_reference_cny,
        coalesce(current_day.aum_cny, 0) as aum_cny,
        current_day.customer_key is null as has_left,
        main_account_closed.customer_key is not null as main_acct_closed,
        main_accounts.main_acct_reference_balance_cny,
        coalesce(current_day.rm_staff_id, reference.rm_staff_id) as rm_staff_id,
        case
            when current_day.customer_key is null then reference.branch_code
            else current_day.branch_code
        end as branch_code,
        {%- for k in [1, 2, 3, 4, 5] %}
            case
                when current_day.customer_key is null then reference.branch_l{{ k }}_code
                else current_day.branch_l{{ k }}_code
            end as branch_l{{ k }}_code,
        {%- endfor %}
        reference.aum_cny >= {{ mart_param('attrition_min_base_aum') }}
        and coalesce(current_day.aum_cny, 0)
        <= reference.aum_cny * (1 - {{ mart_param('attrition_drop_ratio') }}) as is_aum_drop
    from watched
    inner join watch_dates on watched.biz_date = watch_dates.biz_date
    -- as every reason requires, the customer has a row on the reference date
    inner join {{ ref('fct_customer_daily') }} as reference
        on
            watch_dates.reference_date = reference.biz_date
            and watched.customer_key = reference.customer_key
    left join {{ ref('fct_customer_daily') }} as current_day
        on
            watched.biz_date = current_day.biz_date
            and watched.customer_key = current_day.customer_key
    left join main_account_closed
        on
            watched.biz_date = main_account_closed.biz_date
            and watched.customer_key = main_account_closed.customer_key
    left join main_accounts
        on
            watch_dates.reference_date = main_accounts.reference_date
            and watched.customer_key = main_accounts.customer_key
),

final as (
    select
        biz_date,
        customer_key,
        reference_date,
        case
            when is_aum_drop and main_acct_closed then 'aum_drop_and_main_account_closed'
            when is_aum_drop then 'aum_drop'
            else 'main_account_closed'
        end as watch_reason,
        is_aum_drop,
        main_acct_closed,
        has_left,
        aum_reference_cny,
        aum_cny,
        aum_cny - aum_reference_cny as aum_change_cny,
        case
            when aum_reference_cny > 0
                then
                    cast(
                        round((aum_cny - aum_reference_cny) / aum_reference_cny, 4) as decimal(9, 4)
                    )
        end as aum_change_ratio,
        main_acct_reference_balance_cny,
        rm_staff_id,
        branch_code,
        {{ branch_code_columns() }}
    from compared
    where is_aum_drop or main_acct_closed
)

select * from final
