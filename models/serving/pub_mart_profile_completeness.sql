{#- Published mart_profile_completeness (see models/serving/README.md):
    customer and staff keys pseudonymised, no personal values; incremental like the mart. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}

with mart as (
    select * from {{ ref('mart_profile_completeness') }}
    where {{ biz_date_filter('biz_date') }}
)

select
    mart.biz_date,
    mart.branch_code,
    mart.branch_level,
    mart.parent_code,
    mart.persons,
    mart.enterprises,
    mart.persons_with_sex,
    mart.share_with_sex,
    mart.persons_with_birth_date,
    mart.share_with_birth_date,
    mart.persons_with_region,
    mart.share_with_region,
    mart.persons_with_mobile,
    mart.share_with_mobile,
    mart.persons_with_income,
    mart.share_with_income,
    mart.persons_with_occupation,
    mart.share_with_occupation,
    mart.persons_with_education,
    mart.share_with_education,
    mart.persons_with_address,
    mart.share_with_address,
    mart.enterprises_with_industry,
    mart.share_with_industry,
    mart.enterprises_with_ent_nature,
    mart.share_with_ent_nature,
    mart.enterprises_with_ent_scale,
    mart.share_with_ent_scale,
    mart.enterprises_with_credit_rating,
    mart.share_with_credit_rating,
    mart.avg_person_completeness,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
