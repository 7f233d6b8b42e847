{#- Published mart_customer_tier (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='month_start_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_customer_tier') }}
    where {{ biz_date_filter('as_of_date') }}
)

select
    mart.month_start_date,
    {{ pseudonymize('mart.customer_key') }} as customer_key,
    mart.as_of_date,
    mart.is_month_complete,
    mart.days_in_average,
    mart.month_avg_aum_cny,
    mart.qualifying_tier,
    mart.qualifying_tier_rank,
    mart.tier,
    mart.tier_rank,
    mart.previous_tier,
    mart.tier_change,
    mart.holds_products,
    {{ pseudonymize('mart.rm_staff_id') }} as rm_key,
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
