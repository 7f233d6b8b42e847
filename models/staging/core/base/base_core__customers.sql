{#- Every delivered core_customer row, typed and standardised, with its reject list.
    stg_core__customers keeps the rows no reject excludes; stg_rejects lists the rejects. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'cust_no', 'rule': 'required'},
    {'column': 'upd_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'birth_date', 'rule': 'date'},
    {'column': 'open_date', 'rule': 'date'},
] -%}

with source as (
    select * from {{ staging_lake_source('core', 'core_customer') }}
),

cleaned as {{ materialized_cte() }} (
    select
        ---------- ids
        {{ clean_code('source.cust_no') }} as cust_no,
        ---------- party
        {{ clean_code('source.cust_type') }} as cust_type,
        case {{ clean_code('source.cust_type') }} when '2' then 'E' when '1' then 'P' end
            as party_kind,
        source.cust_name,
        ---------- identity
        {{ clean_code('source.cert_type') }} as cert_type,
        source.cert_no,
        {{ normalize_cert_no('source.cert_no') }} as cert_no_normalized,
        ---------- attributes
        {{ clean_code('source.gender') }} as gender_code,
        {{ to_date('source.birth_date') }} as birth_date,
        source.mobile as mobile_raw,
        {{ normalize_mobile('source.mobile') }} as mobile,
        {{ clean_text('source.address') }} as address,
        {{ to_date('source.open_date') }} as open_date,
        {{ clean_code('source.open_branch') }} as open_branch,
        {{ clean_code('source.status') }} as status,
        {{ to_timestamp_local('source.upd_ts') }} as upd_ts,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

standardised as {{ materialized_cte() }} (
    select
        *,
        {{ code_is_valid('cust_type', 'cust_type') }} as cust_type_is_valid,
        case
            when party_kind = 'E' then {{ normalize_enterprise_name('cust_name') }}
            else {{ normalize_person_name('cust_name') }}
        end as cust_name_normalized,
        {{ code_is_valid('cert_type', 'cert_type') }} as cert_type_is_valid,
        {{ cert_quality('party_kind', 'cert_type', 'cert_no_normalized') }} as cert_quality,
        case
            when gender_code in ('1', '2') then gender_code
        end as gender,
        {{ code_is_valid('gender_code', 'gender') }} as gender_is_valid,
        {{ mobile_is_valid('mobile_raw', 'mobile') }} as mobile_is_valid,
        {{ code_is_valid('status', 'core_customer_status') }} as status_is_valid,
        open_date < {{ realname_rule_date() }} as is_pre_realname,
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
        {{ enterprise_org_code('cert_no_normalized', 'cert_quality') }} as org_code
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
