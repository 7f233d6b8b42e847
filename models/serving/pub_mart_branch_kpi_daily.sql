{#- Published mart_branch_kpi_daily (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_branch_kpi_daily') }}
    where {{ biz_date_filter('biz_date') }}
)

select
    mart.biz_date,
    mart.branch_code,
    mart.branch_level,
    mart.branch_name,
    mart.parent_code,
    mart.branch_status,
    mart.customers,
    mart.new_customers,
    mart.lost_customers,
    mart.customers_mass,
    mart.customers_potential,
    mart.customers_affluent,
    mart.customers_private_banking,
    mart.aum_cny,
    mart.deposits_cny,
    mart.wealth_cny,
    mart.loans_cny,
    mart.npl_loans_cny,
    mart.npl_ratio,
    mart.card_outstanding_cny,
    mart.credit_limit_cny,
    mart.net_deposit_flow_cny,
    mart.net_deposit_flow_30d_cny,
    mart.external_outflow_cny,
    mart.attrition_watch_customers,
    mart.attrition_watch_aum_cny,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
