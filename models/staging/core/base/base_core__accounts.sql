{#- Every delivered core_account row (DELTA), typed, with its reject list. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'acct_no', 'rule': 'required'},
    {'column': 'upd_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'open_date', 'rule': 'date'},
    {'column': 'close_date', 'rule': 'date'},
] -%}

with source as (
    select * from {{ staging_lake_source('core', 'core_account') }}
),

cleaned as (
    select
        ---------- ids
        {{ clean_code('source.acct_no') }} as acct_no,
        {{ clean_code('source.cust_no') }} as cust_no,
        ---------- product
        {{ clean_code('source.product_code') }} as product_code,
        upper({{ clean_code('source.currency') }}) as currency,
        ---------- dates
        {{ to_date('source.open_date') }} as open_date,
        {{ to_date('source.close_date', open_ended='keep') }} as close_date,
        ---------- organisation and state
        {{ clean_code('source.branch_code') }} as branch_code,
        {{ clean_code('source.status') }} as status,
        {{ to_timestamp_local('source.upd_ts') }} as upd_ts,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ code_is_valid('product_code', 'product_deposit') }} as product_code_is_valid,
        {{ regex_full_match('currency', '[A-Z]{3}') }} as currency_is_valid,
        {{ code_is_valid('status', 'core_account_status') }} as status_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
