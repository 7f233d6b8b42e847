{#- Published mart_cross_sell (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_cross_sell') }}
    where {{ biz_date_filter('biz_date') }}
)

select
    mart.biz_date,
    {{ pseudonymize('mart.customer_key') }} as customer_key,
    mart.opportunity,
    mart.party_kind,
    mart.tier,
    mart.aum_cny,
    mart.deposits_cny,
    mart.loans_cny,
    mart.credit_cards,
    mart.credit_limit_cny,
    mart.supported_limit_cny,
    mart.limit_gap_cny,
    mart.may_contact,
    mart.may_profile,
    mart.contact_channels,
    {{ pseudonymize('mart.rm_staff_id') }} as rm_key,
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
