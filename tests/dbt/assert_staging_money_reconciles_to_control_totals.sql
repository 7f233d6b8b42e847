{#-
    Typing invents and loses no money: for every money measure the extractor totalled
    (contracts.md, "Control"), the typed values of all delivered rows (the base_ models, before
    any record is excluded) sum to the control total, in the column's own unit, over the same
    rows, per business date and currency (or per code for core_txn / card_txn). Rows whose
    amount is not a number are NULL in staging and left out of both totals and counts; a table
    delivered empty has a zero control row and no typed group.
    The nightly run of T checks T only (staging_test_date_filter), any other run every date.
-#}
{%- set measures = [
    ('core_balance', 'base_core__balances', 'balance', 'balance', 'currency', true),
    ('core_balance', 'base_core__balances', 'accrued_interest', 'accrued_interest', 'currency',
     true),
    ('core_txn', 'base_core__transactions', 'amount', 'amount', 'dr_cr', false),
    ('card_account', 'base_card__accounts', 'credit_limit', 'credit_limit_fen', none, false),
    ('card_txn', 'base_card__transactions', 'amount', 'amount_fen', 'txn_type', false),
    ('card_statement', 'base_card__statements', 'outstanding', 'outstanding_fen', none, false),
    ('loan_contract', 'base_loan__contracts', 'contract_amount', 'contract_amount', 'currency',
     true),
    ('loan_balance', 'base_loan__balances', 'principal_balance', 'principal_balance', none,
     false)
] -%}

with control as (
    select
        ct.table_name,
        ct.biz_date,
        ct.measure,
        ct.currency,
        ct.row_count,
        ct.total
    from {{ lake_source('lake_control', 'control_totals') }} as ct
    where {{ staging_test_date_filter('ct.biz_date') }}
),

typed as (
    {%- for table, model, measure, col, split, split_is_currency in measures %}
        select
            '{{ table }}' as table_name,
            base.biz_date,
            {%- if split is none %}
                '{{ measure }}' as measure,
                'CNY' as measure_currency,
            {%- elif split_is_currency %}
                '{{ measure }}' as measure,
                base.{{ split }} as measure_currency,
            {%- else %}
                '{{ measure }}_' || coalesce(base.{{ split }}, '') as measure,
                'CNY' as measure_currency,
            {%- endif %}
            count(base.{{ col }}) as row_count,
            coalesce(sum(base.{{ col }}), 0) as total
        from {{ ref(model) }} as base
        where {{ staging_test_date_filter('base.biz_date') }}
        group by all
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

compared as (
    select
        coalesce(control.table_name, typed.table_name) as table_name,
        coalesce(control.biz_date, typed.biz_date) as biz_date,
        coalesce(control.measure, typed.measure) as measure,
        coalesce(control.currency, typed.measure_currency) as currency,
        coalesce(control.row_count, 0) as control_rows,
        coalesce(typed.row_count, 0) as typed_rows,
        coalesce(control.total, 0) as control_total,
        coalesce(typed.total, 0) as typed_total
    from control
    full outer join typed
        on
            control.table_name = typed.table_name
            and control.biz_date = typed.biz_date
            and control.measure = typed.measure
            and control.currency is not distinct from typed.measure_currency
)

select * from compared
where
    control_rows != typed_rows
    or control_total != typed_total
