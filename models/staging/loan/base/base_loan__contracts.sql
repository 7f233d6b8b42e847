{#- Every delivered loan_contract row (DELTA), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'contract_no', 'rule': 'required'},
    {'column': 'upd_ts', 'rule': 'timestamp', 'required': true},
    {'column': 'contract_amount', 'rule': 'decimal', 'required': true},
    {'column': 'start_date', 'rule': 'date'},
    {'column': 'maturity_date', 'rule': 'date'},
    {'column': 'interest_rate', 'rule': 'decimal', 'precision': 9, 'scale': 4},
] -%}

with source as (
    select * from {{ staging_lake_source('loan', 'loan_contract') }}
),

cleaned as (
    select
        ---------- ids
        {{ clean_code('source.contract_no') }} as contract_no,
        {{ clean_code('source.loan_cust_id') }} as loan_cust_id,
        ---------- terms
        {{ clean_code('source.product_code') }} as product_code,
        {{ to_yuan('source.contract_amount') }} as contract_amount,
        upper({{ clean_code('source.currency') }}) as currency,
        {{ to_date('source.start_date') }} as start_date,
        {{ to_date('source.maturity_date', open_ended='keep') }} as maturity_date,
        {{ to_decimal('source.interest_rate', 9, 4) }} as interest_rate,
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
        {{ code_is_valid('product_code', 'product_loan') }} as product_code_is_valid,
        {{ regex_full_match('currency', '[A-Z]{3}') }} as currency_is_valid,
        {{ code_is_valid('status', 'loan_contract_status') }} as status_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
