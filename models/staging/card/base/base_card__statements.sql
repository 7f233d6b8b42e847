{#- Every delivered card_statement row (FULL: every credit card not closed before T), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'card_no', 'rule': 'required'},
    {'column': 'outstanding', 'rule': 'integer', 'required': true},
    {'column': 'overdue_days', 'rule': 'integer'},
] -%}

with source as (
    select * from {{ staging_lake_source('card', 'card_statement') }}
),

cleaned as (
    select
        {{ clean_code('source.card_no') }} as card_no,
        {{ to_fen('source.outstanding') }} as outstanding_fen,
        {{ to_integer('source.overdue_days') }} as overdue_days,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ fen_to_yuan('outstanding_fen') }} as outstanding,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
