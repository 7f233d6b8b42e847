{#-
    Monthly contribution estimate per customer (one row per customer and month, as of the
    month end or, for the current month, the latest business date, pro rata to the days so
    far), to find customers who cost more than they bring. Every rate is a documented var:
      deposit spread   = avg demand x (ftp_demand_rate - paid_demand_rate)
                       + avg time   x (ftp_time_rate - paid_time_rate)
      wealth fees      = avg wealth x wealth_fee_rate
      loan spread      = loan interest earned (principal x contract rate, daily)
                       - avg loans x ftp_loan_rate
      card income      = purchases x card_interchange_rate + card fees
                       + avg outstanding x card_revolving_share x card_revolving_rate
      cost to serve    = accounts x cost_per_account_month + counter txns x cost_per_counter_txn
    Annual rates are applied for the days of the month in the average (days / 360); the
    account cost is prorated the same way (days / 30). Built from int_customer_month_state,
    incremental by month like mart_customer_tier.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='month_start_date',
    on_schema_change='fail',
) }}

with state as (
    select
        *,
        row_number() over (
            partition by customer_key, month_start_date order by biz_date desc
        ) as recency
    from {{ ref('int_customer_month_state') }}
    where
        biz_date <= {{ current_biz_date() }}
        {%- if is_incremental() %}
            and month_start_date = {{ month_start(current_biz_date()) }}
        {%- endif %}
),

latest as (
    select * from state
    where recency = 1
),

customers as (
    select * from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

valued as (
    select
        latest.month_start_date,
        latest.customer_key,
        latest.biz_date as as_of_date,
        latest.is_month_end as is_month_complete,
        latest.month_days,
        cast(customers.accounts_count as bigint) as accounts_count,
        latest.counter_txns_mtd,
        -- divisions in double (as DuckDB divides decimals) rounded by round_double: the same
        -- double rounded the same way on both engines (macros/spark/portable.sql)
        cast(
            {{ round_double('cast(latest.aum_sum_mtd as double) / latest.month_days', 2) }}
            as decimal(38, 2)
        ) as month_avg_aum_cny,
        cast(
            {{ round_double('cast(latest.loans_sum_mtd as double) / latest.month_days', 2) }}
            as decimal(38, 2)
        ) as month_avg_loans_cny,
        cast({{ round_double(
            "cast(latest.demand_sum_mtd * (" ~ mart_param('ftp_demand_rate') ~ " - "
            ~ mart_param('paid_demand_rate') ~ ") + latest.time_sum_mtd * ("
            ~ mart_param('ftp_time_rate') ~ " - " ~ mart_param('paid_time_rate')
            ~ ") as double) / 360",
            2
        ) }} as decimal(38, 2)) as deposit_spread_cny,
        cast({{ round_double(
            "cast(latest.wealth_sum_mtd * " ~ mart_param('wealth_fee_rate') ~ " as double) / 360",
            2
        ) }} as decimal(38, 2)) as wealth_fee_cny,
        cast({{ round_double(
            "cast(latest.loan_interest_mtd as double) - cast(latest.loans_sum_mtd * "
            ~ mart_param('ftp_loan_rate') ~ " as double) / 360",
            2
        ) }} as decimal(38, 2)) as loan_spread_cny,
        cast({{ round_double(
            "cast(latest.card_purchases_mtd * " ~ mart_param('card_interchange_rate')
            ~ " + latest.card_fees_mtd as double) + cast(latest.card_outstanding_sum_mtd * "
            ~ mart_param('card_revolving_share') ~ " * " ~ mart_param('card_revolving_rate')
            ~ " as double) / 360",
            2
        ) }} as decimal(38, 2)) as card_income_cny,
        cast({{ round_double(
            "cast(coalesce(customers.accounts_count, 0) * "
            ~ mart_param('cost_per_account_month') ~ " * latest.month_days as double) / 30"
            ~ " + cast(latest.counter_txns_mtd * " ~ mart_param('cost_per_counter_txn')
            ~ " as double)",
            2
        ) }} as decimal(38, 2)) as cost_to_serve_cny,
        customers.rm_staff_id,
        customers.branch_code,
        {{ branch_code_columns('customers.') }}
    from latest
    inner join customers
        on latest.biz_date = customers.biz_date and latest.customer_key = customers.customer_key
),

final as (
    select
        *,
        deposit_spread_cny + wealth_fee_cny + loan_spread_cny + card_income_cny
            as revenue_cny,
        deposit_spread_cny + wealth_fee_cny + loan_spread_cny + card_income_cny
        - cost_to_serve_cny as contribution_cny,
        deposit_spread_cny + wealth_fee_cny + loan_spread_cny + card_income_cny
        < cost_to_serve_cny as is_loss_making
    from valued
)

select * from final
