{#- Every delivered loan_customer row (DELTA): persons and enterprises (cust_kind), typed and
    standardised, with the legal representative's resident id checked too. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'loan_cust_id', 'rule': 'required'},
    {'column': 'upd_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'birth_date', 'rule': 'date'},
    {'column': 'annual_income', 'rule': 'integer'},
    {'column': 'reg_capital', 'rule': 'decimal'},
] -%}

with source as (
    select * from {{ staging_lake_source('loan', 'loan_customer') }}
),

cleaned as {{ materialized_cte() }} (
    select
        ---------- ids
        {{ clean_code('source.loan_cust_id') }} as loan_cust_id,
        {{ clean_code('source.cust_kind') }} as party_kind,
        source.name,
        ---------- identity
        {{ clean_code('source.cert_type') }} as cert_type,
        source.cert_no,
        {{ normalize_cert_no('source.cert_no') }} as cert_no_normalized,
        ---------- person attributes
        {{ clean_code('source.gender') }} as gender_code,
        {{ to_date('source.birth_date') }} as birth_date,
        source.mobile as mobile_raw,
        {{ normalize_mobile('source.mobile') }} as mobile,
        {{ clean_code('source.occupation') }} as occupation,
        {{ to_integer('source.annual_income') }} as annual_income,
        {{ clean_code('source.education') }} as education,
        ---------- enterprise attributes
        upper({{ clean_code('source.industry_code') }}) as industry_code,
        {{ clean_code('source.ent_nature') }} as ent_nature,
        {{ clean_code('source.ent_scale') }} as ent_scale,
        {{ clean_code('source.credit_rating') }} as credit_rating,
        source.legal_rep_name,
        {{ normalize_person_name('source.legal_rep_name') }} as legal_rep_name_normalized,
        {{ normalize_cert_no('source.legal_rep_cert_no') }} as legal_rep_cert_no_normalized,
        {{ to_yuan('source.reg_capital') }} as reg_capital,
        ---------- common
        {{ clean_text('source.address') }} as address,
        {{ to_timestamp_local('source.upd_ts') }} as upd_ts,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

standardised as {{ materialized_cte() }} (
    select
        *,
        {{ code_is_valid('party_kind', 'cust_kind') }} as party_kind_is_valid,
        case
            when party_kind = 'E' then {{ normalize_enterprise_name('name') }}
            else {{ normalize_person_name('name') }}
        end as name_normalized,
        {{ code_is_valid('cert_type', 'cert_type') }} as cert_type_is_valid,
        {{ cert_quality('party_kind', 'cert_type', 'cert_no_normalized') }} as cert_quality,
        {{ resident_id_quality('legal_rep_cert_no_normalized') }} as legal_rep_cert_quality,
        case when gender_code in ('1', '2') then gender_code end as gender,
        {{ code_is_valid('gender_code', 'gender') }} as gender_is_valid,
        {{ mobile_is_valid('mobile_raw', 'mobile') }} as mobile_is_valid,
        {{ code_is_valid('occupation', 'occupation') }} as occupation_is_valid,
        {{ code_is_valid('education', 'education') }} as education_is_valid,
        {{ regex_full_match('industry_code', '[A-T][0-9]{2}') }} as industry_code_is_valid,
        {{ code_is_valid('ent_nature', 'ent_nature') }} as ent_nature_is_valid,
        {{ code_is_valid('ent_scale', 'ent_scale') }} as ent_scale_is_valid,
        {{ code_is_valid('credit_rating', 'credit_rating') }} as credit_rating_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
),

identified as (
    select
        *,
        case
            when party_kind = 'P'
                then {{ person_resident_id('cert_no_normalized', 'cert_quality') }}
        end as resident_id,
        {{ enterprise_uscc('cert_no_normalized', 'cert_quality') }} as uscc,
        {{ enterprise_org_code('cert_no_normalized', 'cert_quality') }} as org_code,
        {{ resident_id_standard('legal_rep_cert_no_normalized', 'legal_rep_cert_quality') }}
            as legal_rep_resident_id
    from standardised
),

renamed as (
    select
        *,
        {{ resident_id_birth_date('resident_id') }} as id_birth_date,
        {{ resident_id_sex('resident_id') }} as id_sex,
        {{ resident_id_province('resident_id') }} as id_province,
        birth_date != {{ resident_id_birth_date('resident_id') }} as birth_date_contradicts_id,
        gender != {{ resident_id_sex('resident_id') }} as gender_contradicts_id
    from identified
)

select * from renamed
