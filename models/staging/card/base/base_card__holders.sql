{#- Every delivered card_holder row (DELTA), typed and standardised, with its reject list.
    Card holders are persons. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'holder_id', 'rule': 'required'},
    {'column': 'upd_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'birth_date', 'rule': 'date'},
    {'column': 'annual_income', 'rule': 'integer'},
] -%}

with source as (
    select * from {{ staging_lake_source('card', 'card_holder') }}
),

cleaned as {{ materialized_cte() }} (
    select
        ---------- ids
        {{ clean_code('source.holder_id') }} as holder_id,
        'P' as party_kind,
        source.name,
        {{ normalize_person_name('source.name') }} as name_normalized,
        ---------- identity
        {{ clean_code('source.cert_type') }} as cert_type,
        source.cert_no,
        {{ normalize_cert_no('source.cert_no') }} as cert_no_normalized,
        ---------- attributes
        {{ clean_code('source.gender') }} as gender_code,
        {{ to_date('source.birth_date') }} as birth_date,
        source.mobile as mobile_raw,
        {{ normalize_mobile('source.mobile') }} as mobile,
        {{ clean_text('source.employer') }} as employer,
        {{ to_integer('source.annual_income') }} as annual_income,
        {{ clean_code('source.education') }} as education,
        {{ clean_code('source.occupation') }} as occupation,
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
        {{ code_is_valid('cert_type', 'cert_type') }} as cert_type_is_valid,
        {{ cert_quality('party_kind', 'cert_type', 'cert_no_normalized') }} as cert_quality,
        case when gender_code in ('1', '2') then gender_code end as gender,
        {{ code_is_valid('gender_code', 'gender') }} as gender_is_valid,
        {{ mobile_is_valid('mobile_raw', 'mobile') }} as mobile_is_valid,
        {{ code_is_valid('education', 'education') }} as education_is_valid,
        {{ code_is_valid('occupation', 'occupation') }} as occupation_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
),

identified as (
    select
        *,
        {{ person_resident_id('cert_no_normalized', 'cert_quality') }} as resident_id
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
