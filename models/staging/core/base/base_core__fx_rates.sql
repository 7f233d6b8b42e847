{#- Every delivered core_fx_rate row (FULL: the day's rate to CNY per currency), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'currency', 'rule': 'required'},
    {'column': 'rate_to_cny', 'rule': 'decimal', 'required': true, 'precision': 18, 'scale': 6},
] -%}

with source as (
    select * from {{ staging_lake_source('core', 'core_fx_rate') }}
),

cleaned as (
    select
        upper({{ clean_code('source.currency') }}) as currency,
        {{ to_decimal('source.rate_to_cny', 18, 6) }} as rate_to_cny,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ regex_full_match('currency', '[A-Z]{3}') }} as currency_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
