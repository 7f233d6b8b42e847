{#- Published mart_rm_portfolio (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_rm_portfolio') }}
    where {{ biz_date_filter('biz_date') }}
)

select
    mart.biz_date,
    {{ pseudonymize('mart.rm_staff_id') }} as rm_key,
    mart.reference_date,
    mart.rm_is_active,
    mart.customers,
    mart.aum_cny,
    mart.loans_cny,
    mart.aum_reference_cny,
    mart.aum_growth_cny,
    mart.aum_growth_ratio,
    mart.customers_mass,
    mart.customers_potential,
    mart.customers_affluent,
    mart.customers_private_banking,
    mart.high_value_customers,
    mart.high_value_share,
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
