{#- Published customer 360 (see models/serving/README.md): keys pseudonymised, names, identity
    numbers, mobiles masked, birth date reduced to the year; month ends and the latest date,
    like the mart (the post-hook drops the previous latest date). -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
    partition_by=['biz_date'],
    post_hook=["{{ drop_superseded_snapshots(this) }}"],
) }}
{%- set deposit_products = ['d01', 't03', 't06', 't12', 't24', 't36', 't60', 'c01', 'c02',
    'n01', 'w01'] %}
{%- set channels = ['cnt', 'atm', 'mob', 'web', 'pos', 'sys'] %}

with mart as (
    select * from {{ ref('mart_customer_360') }}
    where {{ biz_date_filter('biz_date') }}
)

select
    ---------- keys: pseudonymous
    mart.biz_date,
    {{ pseudonymize('mart.customer_key') }} as customer_key,
    mart.snapshot_kind,
    mart.party_kind,
    ---------- personal data: masked
    {{ mask_name('mart.customer_name') }} as customer_name,
    {{ mask_id_no('mart.resident_id') }} as resident_id,
    {{ mask_id_no('mart.uscc') }} as uscc,
    {{ mask_mobile('mart.mobile') }} as mobile,
    cast(extract(year from mart.birth_date) as integer) as birth_year,
    mart.sex,
    mart.region_code,
    mart.address_district,
    mart.annual_income,
    mart.occupation,
    mart.education,
    mart.industry_code,
    mart.ent_nature,
    mart.ent_scale,
    mart.credit_rating,
    mart.first_seen_date,
    mart.relationship_start_date,
    ---------- measures and attributes
    mart.aum_cny,
    mart.month_avg_aum_cny,
    mart.deposits_cny,
    mart.demand_deposits_cny,
    mart.time_deposits_cny,
    mart.wealth_cny,
    {%- for p in deposit_products %}
        mart.balance_{{ p }}_cny,
    {%- endfor %}
    mart.loans_cny,
    mart.loan_contracts,
    mart.worst_five_class,
    mart.max_loan_overdue_days,
    mart.credit_cards,
    mart.debit_cards,
    mart.credit_limit_cny,
    mart.card_outstanding_cny,
    mart.max_card_overdue_days,
    mart.products_held,
    mart.products_held_list,
    {%- for ch in channels %}
        mart.used_{{ ch }}_recently,
    {%- endfor %}
    mart.channels_used_recently,
    {{ pseudonymize('mart.rm_staff_id') }} as rm_key,
    mart.tier,
    mart.qualifying_tier,
    mart.consent_mkt_sms,
    mart.consent_mkt_call,
    mart.consent_mkt_app,
    mart.consent_profiling,
    mart.may_contact,
    mart.may_profile,
    mart.identity_quality,
    mart.has_valid_identity,
    mart.has_mobile,
    mart.has_mobile_conflict,
    mart.has_address_conflict,
    mart.has_birth_date_conflict,
    mart.has_gender_conflict,
    mart.is_pre_realname,
    mart.completeness_score,
    ---------- branch scoping
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
