{#- Every delivered org_staff row (FULL), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'staff_id', 'rule': 'required'},
    {'column': 'hire_date', 'rule': 'date'},
] -%}

with source as (
    select * from {{ staging_lake_source('org', 'org_staff') }}
),

cleaned as (
    select
        {{ clean_code('source.staff_id') }} as staff_id,
        source.name,
        {{ normalize_person_name('source.name') }} as name_normalized,
        upper({{ clean_code('source.branch_code') }}) as branch_code,
        {{ clean_code('source.role') }} as role,
        {{ clean_code('source.status') }} as status,
        {{ to_date('source.hire_date') }} as hire_date,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ code_is_valid('role', 'staff_role') }} as role_is_valid,
        {{ code_is_valid('status', 'staff_status') }} as status_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
