{#- Every delivered org_branch row (FULL: the whole branch tree each day), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'branch_code', 'rule': 'required'},
    {'column': 'branch_level', 'rule': 'integer'},
    {'column': 'open_date', 'rule': 'date'},
] -%}

with source as (
    select * from {{ staging_lake_source('org', 'org_branch') }}
),

cleaned as (
    select
        upper({{ clean_code('source.branch_code') }}) as branch_code,
        {{ clean_text('source.branch_name') }} as branch_name,
        {{ to_integer('source.branch_level') }} as branch_level,
        upper({{ clean_code('source.parent_code') }}) as parent_code,
        {{ clean_code('source.region_code') }} as region_code,
        {{ to_date('source.open_date') }} as open_date,
        {{ clean_code('source.status') }} as status,
        upper({{ clean_code('source.merged_into') }}) as merged_into,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ regex_full_match('branch_code', '[0-9A-Z]{1,10}') }} as branch_code_is_valid,
        coalesce(branch_level between 1 and 5, false) as branch_level_is_valid,
        {{ regex_full_match('region_code', '[0-9]{6}') }} as region_code_is_valid,
        {{ code_is_valid('status', 'branch_status') }} as status_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
