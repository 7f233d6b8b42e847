{#- Every delivered loan_balance row (FULL: every contract not settled before T), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'contract_no', 'rule': 'required'},
    {'column': 'principal_balance', 'rule': 'decimal', 'required': true},
    {'column': 'overdue_days', 'rule': 'integer'},
] -%}

with source as (
    select * from {{ staging_lake_source('loan', 'loan_balance') }}
),

cleaned as (
    select
        {{ clean_code('source.contract_no') }} as contract_no,
        {{ to_yuan('source.principal_balance') }} as principal_balance,
        {{ to_integer('source.overdue_days') }} as overdue_days,
        {{ clean_code('source.five_class') }} as five_class,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ code_is_valid('five_class', 'five_class') }} as five_class_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
