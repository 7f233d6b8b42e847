{#- Every delivered core_balance row (FULL: every account not closed before T), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'acct_no', 'rule': 'required'},
    {'column': 'balance', 'rule': 'decimal', 'required': true},
    {'column': 'accrued_interest', 'rule': 'decimal'},
] -%}

with source as (
    select * from {{ staging_lake_source('core', 'core_balance') }}
),

cleaned as (
    select
        ---------- ids
        {{ clean_code('source.acct_no') }} as acct_no,
        upper({{ clean_code('source.currency') }}) as currency,
        ---------- amounts (account currency, major unit)
        {{ to_yuan('source.balance') }} as balance,
        {{ to_yuan('source.accrued_interest') }} as accrued_interest,
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
