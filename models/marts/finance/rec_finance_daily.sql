{#-
    Reconciliation of the facts, per business date, measure and currency, to the cent:
      fact_total      what the fact table holds,
      staged_total    the same measure summed over the staging model,
      excluded_total  amounts of raw rows that parsed but that staging excluded (a missing
                      key, say): in the extractor's control total, not in staging,
      control_total   the extraction control total (lake/control/control_totals, in the
                      column's own unit; fen measures are converted to yuan here).
    Checks: fact_minus_staged = 0 and control_minus_staged_and_excluded = 0 on every row
    (data tests), plus the customer fact against the account facts (check 'customer_*': the
    staged side is then the account fact restricted to resolved customers, excluded_total the
    rows without a customer). Incremental by biz_date: a daily run reconciles T only.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    tags=['date_range'],
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with control as (
    select
        biz_date,
        table_name,
        measure,
        upper(trim(currency)) as currency,
        case when unit = 'fen' then total / 100 else total end as total_yuan
    from {{ lake_source('lake_control', 'control_totals') }}
    where
        {{ biz_date_filter('biz_date') }}
        and table_name in ('core_balance', 'core_txn', 'card_statement', 'card_txn', 'loan_balance')
),

measures as (
    ---------- core_balance.balance per currency
    select
        biz_date,
        'core_balance' as table_name,
        'balance' as measure,
        currency,
        'fact' as side,
        sum(balance) as amount
    from {{ ref('fct_deposit_balance_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date, currency
    union all
    select
        biz_date,
        'core_balance' as table_name,
        'balance' as measure,
        currency,
        case when _is_excluded then 'excluded' else 'staged' end as side,
        sum(balance) as amount
    from {{ ref('base_core__balances') }}
    where {{ biz_date_filter('biz_date') }} and balance is not null
    group by biz_date, currency, _is_excluded
    ---------- core_balance.accrued_interest per currency
    union all
    select
        biz_date,
        'core_balance' as table_name,
        'accrued_interest' as measure,
        currency,
        'fact' as side,
        sum(accrued_interest) as amount
    from {{ ref('fct_deposit_balance_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date, currency
    union all
    select
        biz_date,
        'core_balance' as table_name,
        'accrued_interest' as measure,
        currency,
        case when _is_excluded then 'excluded' else 'staged' end as side,
        sum(accrued_interest) as amount
    from {{ ref('base_core__balances') }}
    where {{ biz_date_filter('biz_date') }} and accrued_interest is not null
    group by biz_date, currency, _is_excluded
    ---------- core_txn.amount per dr_cr
    union all
    select
        biz_date,
        'core_txn' as table_name,
        concat('amount_', dr_cr) as measure,
        'CNY' as currency,
        'fact' as side,
        sum(amount) as amount
    from {{ ref('fct_transactions') }}
    where {{ biz_date_filter('biz_date') }} and source_system = 'core'
    group by biz_date, dr_cr
    union all
    select
        biz_date,
        'core_txn' as table_name,
        concat('amount_', dr_cr) as measure,
        'CNY' as currency,
        case when _is_excluded then 'excluded' else 'staged' end as side,
        sum(amount) as amount
    from {{ ref('base_core__transactions') }}
    where {{ biz_date_filter('biz_date') }} and amount is not null
    group by biz_date, dr_cr, _is_excluded
    ---------- card_txn.amount per txn_type (fen in control, yuan here)
    union all
    select
        biz_date,
        'card_txn' as table_name,
        concat('amount_', card_txn_type) as measure,
        'CNY' as currency,
        'fact' as side,
        sum(amount) as amount
    from {{ ref('fct_transactions') }}
    where {{ biz_date_filter('biz_date') }} and source_system = 'card'
    group by biz_date, card_txn_type
    union all
    select
        biz_date,
        'card_txn' as table_name,
        concat('amount_', txn_type) as measure,
        'CNY' as currency,
        case when _is_excluded then 'excluded' else 'staged' end as side,
        sum(amount) as amount
    from {{ ref('base_card__transactions') }}
    where {{ biz_date_filter('biz_date') }} and amount is not null
    group by biz_date, txn_type, _is_excluded
    ---------- card_statement.outstanding
    union all
    select
        biz_date,
        'card_statement' as table_name,
        'outstanding' as measure,
        'CNY' as currency,
        'fact' as side,
        sum(outstanding) as amount
    from {{ ref('fct_card_daily') }}
    where {{ biz_date_filter('biz_date') }} and has_statement
    group by biz_date
    union all
    select
        biz_date,
        'card_statement' as table_name,
        'outstanding' as measure,
        'CNY' as currency,
        case when _is_excluded then 'excluded' else 'staged' end as side,
        sum(outstanding) as amount
    from {{ ref('base_card__statements') }}
    where {{ biz_date_filter('biz_date') }} and outstanding is not null
    group by biz_date, _is_excluded
    ---------- loan_balance.principal_balance
    union all
    select
        biz_date,
        'loan_balance' as table_name,
        'principal_balance' as measure,
        'CNY' as currency,
        'fact' as side,
        sum(principal_cny) as amount
    from {{ ref('fct_loan_balance_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date
    union all
    select
        biz_date,
        'loan_balance' as table_name,
        'principal_balance' as measure,
        'CNY' as currency,
        case when _is_excluded then 'excluded' else 'staged' end as side,
        sum(principal_balance) as amount
    from {{ ref('base_loan__balances') }}
    where {{ biz_date_filter('biz_date') }} and principal_balance is not null
    group by biz_date, _is_excluded
    ---------- extraction control totals
    union all
    select
        biz_date,
        table_name,
        measure,
        currency,
        'control' as side,
        sum(total_yuan) as amount
    from control
    group by biz_date, table_name, measure, currency
    ---------- customer fact against the account facts (CNY)
    union all
    select
        biz_date,
        'fct_customer_daily' as table_name,
        'aum_cny' as measure,
        'CNY' as currency,
        'fact' as side,
        sum(aum_cny) as amount
    from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date
    union all
    select
        biz_date,
        'fct_customer_daily' as table_name,
        'aum_cny' as measure,
        'CNY' as currency,
        case when customer_key is null then 'excluded' else 'staged' end as side,
        sum(balance_cny) as amount
    from {{ ref('fct_deposit_balance_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date, customer_key is null
    union all
    select
        biz_date,
        'fct_customer_daily' as table_name,
        'loans_cny' as measure,
        'CNY' as currency,
        'fact' as side,
        sum(loans_cny) as amount
    from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date
    union all
    select
        biz_date,
        'fct_customer_daily' as table_name,
        'loans_cny' as measure,
        'CNY' as currency,
        case when customer_key is null then 'excluded' else 'staged' end as side,
        sum(principal_cny) as amount
    from {{ ref('fct_loan_balance_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date, customer_key is null
    union all
    select
        biz_date,
        'fct_customer_daily' as table_name,
        'card_outstanding_cny' as measure,
        'CNY' as currency,
        'fact' as side,
        sum(card_outstanding_cny) as amount
    from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date
    union all
    select
        biz_date,
        'fct_customer_daily' as table_name,
        'card_outstanding_cny' as measure,
        'CNY' as currency,
        case when customer_key is null then 'excluded' else 'staged' end as side,
        sum(outstanding) as amount
    from {{ ref('fct_card_daily') }}
    where {{ biz_date_filter('biz_date') }} and card_kind = 'C'
    group by biz_date, customer_key is null
),

pivoted as (
    select
        biz_date,
        table_name,
        measure,
        currency,
        cast(sum(case when side = 'fact' then amount else 0 end) as decimal(38, 2))
            as fact_total,
        cast(sum(case when side = 'staged' then amount else 0 end) as decimal(38, 2))
            as staged_total,
        cast(sum(case when side = 'excluded' then amount else 0 end) as decimal(38, 2))
            as excluded_total,
        cast(sum(case when side = 'control' then amount end) as decimal(38, 2))
            as control_total
    from measures
    group by biz_date, table_name, measure, currency
),

final as (
    select
        biz_date,
        table_name,
        measure,
        currency,
        fact_total,
        staged_total,
        excluded_total,
        control_total,
        fact_total - staged_total as fact_minus_staged,
        case
            when table_name = 'fct_customer_daily' then 0
            else coalesce(control_total, 0) - staged_total - excluded_total
        end as control_minus_staged_and_excluded
    from pivoted
)

select * from final
