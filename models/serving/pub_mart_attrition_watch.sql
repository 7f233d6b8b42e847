{#- Published mart_attrition_watch (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_attrition_watch') }}
    where {{ biz_date_filter('biz_date') }}
)

select
    mart.biz_date,
    {{ pseudonymize('mart.customer_key') }} as customer_key,
    mart.reference_date,
    mart.watch_reason,
    mart.is_aum_drop,
    mart.main_acct_closed,
    mart.has_left,
    mart.aum_reference_cny,
    mart.aum_cny,
    mart.aum_change_cny,
    mart.aum_change_ratio,
    mart.main_acct_reference_balance_cny,
    {{ pseudonymize('mart.rm_staff_id') }} as rm_key,
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
