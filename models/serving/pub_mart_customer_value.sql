{#- Published mart_customer_value (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='month_start_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_customer_value') }}
    where {{ biz_date_filter('as_of_date') }}
)

select
    mart.month_start_date,
    {{ pseudonymize('mart.customer_key') }} as customer_key,
    mart.as_of_date,
    mart.is_month_complete,
    mart.month_days,
    mart.accounts_count,
    mart.counter_txns_mtd,
    mart.month_avg_aum_cny,
    mart.month_avg_loans_cny,
    mart.deposit_spread_cny,
    mart.wealth_fee_cny,
    mart.loan_spread_cny,
    mart.card_income_cny,
    mart.cost_to_serve_cny,
    mart.revenue_cny,
    mart.contribution_cny,
    mart.is_loss_making,
    {{ pseudonymize('mart.rm_staff_id') }} as rm_key,
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
