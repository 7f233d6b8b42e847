{#- Every delivered card_account row (DELTA), typed; credit limits in fen and in yuan. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'card_no', 'rule': 'required'},
    {'column': 'upd_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'credit_limit', 'rule': 'integer'},
    {'column': 'open_date', 'rule': 'date'},
] -%}

with source as (
    select * from {{ staging_lake_source('card', 'card_account') }}
),

cleaned as (
    select
        ---------- ids
        {{ clean_code('source.card_no') }} as card_no,
        {{ clean_code('source.holder_id') }} as holder_id,
        {{ clean_code('source.card_kind') }} as card_kind,
        {{ clean_code('source.linked_acct_no') }} as linked_acct_no,
        ---------- limit
        {{ to_fen('source.credit_limit') }} as credit_limit_fen,
        ---------- dates and state
        {{ to_date('source.open_date') }} as open_date,
        {{ clean_code('source.status') }} as status,
        {{ clean_code('source.issue_branch') }} as issue_branch,
        {{ to_timestamp_local('source.upd_ts') }} as upd_ts,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ fen_to_yuan('credit_limit_fen') }} as credit_limit,
        {{ card_no_is_valid('card_no') }} as card_no_is_valid,
        {{ code_is_valid('card_kind', 'card_kind') }} as card_kind_is_valid,
        {{ code_is_valid('status', 'card_status') }} as status_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
