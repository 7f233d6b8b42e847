{#- Every delivered org_rm_assignment row (FULL), typed. end_date keeps 9999-12-31 for a
    current assignment (the column's meaning is the open end). -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'source_system', 'rule': 'required'},
    {'column': 'source_cust_no', 'rule': 'required'},
    {'column': 'start_date', 'rule': 'date', 'required': true},
    {'column': 'end_date', 'rule': 'date'},
] -%}

with source as (
    select * from {{ staging_lake_source('org', 'org_rm_assignment') }}
),

cleaned as (
    select
        lower({{ clean_code('source.source_system') }}) as source_system,
        {{ clean_code('source.source_cust_no') }} as source_cust_no,
        {{ clean_code('source.staff_id') }} as staff_id,
        {{ to_date('source.start_date') }} as start_date,
        {{ to_date('source.end_date', open_ended='keep') }} as end_date,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ code_is_valid('source_system', 'source_system') }} as source_system_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
