{#- Every delivered core_txn row (EVENT: the transactions of day T), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'txn_id', 'rule': 'required'},
    {'column': 'txn_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'amount', 'rule': 'decimal', 'required': true},
] -%}

with source as (
    select * from {{ staging_lake_source('core', 'core_txn') }}
),

cleaned as (
    select
        ---------- ids
        {{ clean_code('source.txn_id') }} as txn_id,
        {{ clean_code('source.acct_no') }} as acct_no,
        ---------- transaction
        {{ to_timestamp_local('source.txn_ts') }} as txn_ts,
        {{ clean_code('source.dr_cr') }} as dr_cr,
        {{ to_yuan('source.amount') }} as amount,
        {{ clean_code('source.channel') }} as channel,
        {{ clean_code('source.counterparty_acct') }} as counterparty_acct,
        source.memo,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ code_is_valid('dr_cr', 'dr_cr') }} as dr_cr_is_valid,
        {{ code_is_valid('channel', 'core_channel') }} as channel_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
