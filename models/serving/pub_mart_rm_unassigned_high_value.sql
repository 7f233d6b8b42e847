{#- Published mart_rm_unassigned_high_value (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_rm_unassigned_high_value') }}
    where {{ biz_date_filter('biz_date') }}
)

select
    mart.biz_date,
    {{ pseudonymize('mart.customer_key') }} as customer_key,
    mart.tier,
    mart.aum_cny,
    {{ pseudonymize('mart.former_rm_staff_id') }} as former_rm_key,
    mart.reason,
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
