{#- Every delivered card_txn row (EVENT), typed; amounts in fen and in yuan. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'auth_id', 'rule': 'required'},
    {'column': 'txn_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'amount', 'rule': 'integer', 'required': true},
] -%}

with source as (
    select * from {{ staging_lake_source('card', 'card_txn') }}
),

cleaned as (
    select
        ---------- ids
        {{ clean_code('source.auth_id') }} as auth_id,
        {{ clean_code('source.card_no') }} as card_no,
        ---------- transaction
        {{ to_timestamp_local('source.txn_ts') }} as txn_ts,
        {{ to_fen('source.amount') }} as amount_fen,
        {{ clean_code('source.mcc') }} as mcc,
        {{ clean_code('source.txn_type') }} as txn_type,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ fen_to_yuan('amount_fen') }} as amount,
        {{ code_is_valid('txn_type', 'card_txn_type') }} as txn_type_is_valid,
        {{ regex_full_match('mcc', '[0-9]{4}') }} as mcc_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
