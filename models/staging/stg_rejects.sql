{#-
    Every reject of every staging base model: one row per (record, failing column).
    excludes_record tells whether the record was left out of its stg_ model (a required column
    missing or not castable) or kept with that column NULL (an optional column not castable).
    Reconciliation: raw rows of (table_name, biz_date) = rows of the stg_ model + distinct
    (source_file, line_no) here with excludes_record.
    Incremental by biz_date like the base models: a daily run unnests T's reject lists only.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set bases = [
    ('core', 'core_customer', 'base_core__customers'),
    ('core', 'core_account', 'base_core__accounts'),
    ('core', 'core_balance', 'base_core__balances'),
    ('core', 'core_txn', 'base_core__transactions'),
    ('core', 'core_fx_rate', 'base_core__fx_rates'),
    ('card', 'card_holder', 'base_card__holders'),
    ('card', 'card_account', 'base_card__accounts'),
    ('card', 'card_txn', 'base_card__transactions'),
    ('card', 'card_statement', 'base_card__statements'),
    ('loan', 'loan_customer', 'base_loan__customers'),
    ('loan', 'loan_contract', 'base_loan__contracts'),
    ('loan', 'loan_balance', 'base_loan__balances'),
    ('org', 'org_branch', 'base_org__branches'),
    ('org', 'org_staff', 'base_org__staff'),
    ('org', 'org_rm_assignment', 'base_org__rm_assignments'),
    ('chan', 'chan_consent', 'base_chan__consent_events')
] -%}

with unioned as (
    {%- for system, table, base in bases %}
        select
            '{{ system }}' as system,
            '{{ table }}' as table_name,
            base.biz_date,
            base._batch_id as batch_id,
            base._source_file as source_file,
            base._line_no as line_no,
            u.r.column_name,
            u.r.reason,
            u.r.raw_value,
            u.r.excludes_record
        from {{ ref(base) }} as base
        {{ unnest_join('base._rejects', 'u', 'r') }}
        {%- if is_incremental() %}
            where base.biz_date = {{ current_biz_date() }}
        {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from unioned
