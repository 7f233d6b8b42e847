{#-
    One row per customer per business date: AUM (deposits + wealth products, CNY), deposits by
    family, liabilities (loan principal + credit-card outstanding), limits, products held and
    account counts, the RM in charge, and the primary (booking) branch with its five level codes.

    Primary branch rule, as of the date:
      1. the branch of the customer's deposit/wealth account with the largest CNY balance,
         ties to the oldest account (open_date), then the lowest account number;
      2. a customer without deposits: the branch of the largest loan (principal), ties to the
         oldest contract, then the lowest contract number;
      3. a customer with cards only: the issuing branch of the card with the largest limit,
         ties to the oldest card.
    primary_branch_basis says which rule applied. Each basis's candidate comes out of the same
    aggregate as its totals (macro top_candidate), not from ranking every candidate row: over a
    month of facts that sort spilled 15 GB at 300,000 persons. Branch codes are as of the date,
    a merged outlet under its survivor. Rows without a resolved customer_key (an orphan account) are not
    in this table; rec_finance_daily counts them. Incremental by biz_date, reading only the
    facts' rows of T. deposits, loans and cards are each read twice (their totals, holdings):
    scanned twice rather than materialised: the query alone took 29-32 CPU-s instead of 42-44 for
    a range run of 5 dates at 1,000,000 persons (same rows).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    tags=['date_range'],
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

{%- set branch_columns = ['booking_branch_code', 'branch_code', 'branch_l1_code',
    'branch_l2_code', 'branch_l3_code', 'branch_l4_code', 'branch_l5_code'] %}

with deposits as {{ inline_cte() }} (
    select
        biz_date,
        customer_key,
        acct_no,
        product_code,
        deposit_family,
        balance_cny,
        open_date,
        {{ branch_columns | join(',\n        ') }}
    from {{ ref('fct_deposit_balance_daily') }}
    where {{ biz_date_filter('biz_date') }} and customer_key is not null
),

loans as {{ inline_cte() }} (
    select
        biz_date,
        customer_key,
        contract_no,
        product_code,
        principal_cny,
        start_date,
        five_class,
        overdue_days,
        {{ branch_columns | join(',\n        ') }}
    from {{ ref('fct_loan_balance_daily') }}
    where {{ biz_date_filter('biz_date') }} and customer_key is not null
),

cards as {{ inline_cte() }} (
    select
        biz_date,
        customer_key,
        card_key,
        product_code,
        card_kind,
        outstanding,
        credit_limit,
        open_date,
        overdue_days,
        {{ branch_columns | join(',\n        ') }}
    from {{ ref('fct_card_daily') }}
    where {{ biz_date_filter('biz_date') }} and customer_key is not null
),

rm as (
    select * from {{ ref('int_customer_rm_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

deposit_totals as (
    select
        biz_date,
        customer_key,
        -- money sums are decimal(38, 2) on both engines (Spark widens a sum by 10 digits only)
        cast(sum(balance_cny) as decimal(38, 2)) as aum_cny,
        cast(
            sum(case when deposit_family in ('demand', 'time') then balance_cny else 0 end)
            as decimal(38, 2)
        ) as deposits_cny,
        cast(sum(case when deposit_family = 'demand' then balance_cny else 0 end) as decimal(38, 2))
            as demand_deposits_cny,
        cast(sum(case when deposit_family = 'time' then balance_cny else 0 end) as decimal(38, 2))
            as time_deposits_cny,
        cast(sum(case when deposit_family = 'wealth' then balance_cny else 0 end) as decimal(38, 2))
            as wealth_cny,
        cast(count(*) as bigint) as deposit_accounts,
        {{ top_candidate(branch_columns, 'balance_cny', 'acct_no', 'open_date') }} as candidate
    from deposits
    group by biz_date, customer_key
),

loan_totals as (
    select
        biz_date,
        customer_key,
        cast(sum(principal_cny) as decimal(38, 2)) as loans_cny,
        cast(count(*) as bigint) as loan_contracts,
        max(five_class) as worst_five_class,
        max(overdue_days) as max_loan_overdue_days,
        {{ top_candidate(branch_columns, 'principal_cny', 'contract_no', 'start_date') }}
            as candidate
    from loans
    group by biz_date, customer_key
),

card_totals as (
    select
        biz_date,
        customer_key,
        cast(
            sum(case when card_kind = 'C' then coalesce(outstanding, 0) else 0 end)
            as decimal(38, 2)
        ) as card_outstanding_cny,
        cast(
            sum(case when card_kind = 'C' then coalesce(credit_limit, 0) else 0 end)
            as decimal(38, 2)
        ) as credit_limit_cny,
        -- counts are bigint on both engines (a DuckDB sum of integers is a HUGEINT)
        cast(sum(case when card_kind = 'C' then 1 else 0 end) as bigint) as credit_cards,
        cast(sum(case when card_kind = 'D' then 1 else 0 end) as bigint) as debit_cards,
        max(overdue_days) as max_card_overdue_days,
        {{ top_candidate(branch_columns, 'coalesce(credit_limit, 0)', 'card_key', 'open_date') }}
            as candidate
    from cards
    group by biz_date, customer_key
),

holdings as (
    select
        biz_date,
        customer_key,
        product_code
    from deposits
    union
    select
        biz_date,
        customer_key,
        product_code
    from loans
    union
    select
        biz_date,
        customer_key,
        product_code
    from cards
),

products_held as (
    select
        biz_date,
        customer_key,
        cast(count(product_code) as bigint) as products_held
    from holdings
    group by biz_date, customer_key
),

joined as (
    -- one row per customer holding anything on the date (the rows of this table); the primary
    -- branch is the deposit candidate, else the loan's, else the card's
    select
        products_held.biz_date,
        products_held.customer_key,
        ---------- assets
        coalesce(deposit_totals.aum_cny, 0) as aum_cny,
        coalesce(deposit_totals.deposits_cny, 0) as deposits_cny,
        coalesce(deposit_totals.demand_deposits_cny, 0) as demand_deposits_cny,
        coalesce(deposit_totals.time_deposits_cny, 0) as time_deposits_cny,
        coalesce(deposit_totals.wealth_cny, 0) as wealth_cny,
        ---------- liabilities
        coalesce(loan_totals.loans_cny, 0) as loans_cny,
        coalesce(card_totals.card_outstanding_cny, 0) as card_outstanding_cny,
        coalesce(loan_totals.loans_cny, 0) + coalesce(card_totals.card_outstanding_cny, 0)
            as liabilities_cny,
        coalesce(card_totals.credit_limit_cny, 0) as credit_limit_cny,
        loan_totals.worst_five_class,
        loan_totals.max_loan_overdue_days,
        card_totals.max_card_overdue_days,
        ---------- holdings
        coalesce(deposit_totals.deposit_accounts, 0) as deposit_accounts,
        coalesce(loan_totals.loan_contracts, 0) as loan_contracts,
        coalesce(card_totals.credit_cards, 0) as credit_cards,
        coalesce(card_totals.debit_cards, 0) as debit_cards,
        coalesce(deposit_totals.deposit_accounts, 0)
        + coalesce(loan_totals.loan_contracts, 0)
        + coalesce(card_totals.credit_cards, 0)
        + coalesce(card_totals.debit_cards, 0) as accounts_count,
        products_held.products_held,
        ---------- relationship manager
        rm.rm_staff_id,
        rm.rm_branch_code,
        ---------- primary branch as of the date
        case
            when deposit_totals.customer_key is not null then 'deposit'
            when loan_totals.customer_key is not null then 'loan'
            else 'card'
        end as primary_branch_basis,
        coalesce(deposit_totals.candidate, loan_totals.candidate, card_totals.candidate)
            as primary_branch
    from products_held
    left join deposit_totals
        on
            products_held.biz_date = deposit_totals.biz_date
            and products_held.customer_key = deposit_totals.customer_key
    left join loan_totals
        on
            products_held.biz_date = loan_totals.biz_date
            and products_held.customer_key = loan_totals.customer_key
    left join card_totals
        on
            products_held.biz_date = card_totals.biz_date
            and products_held.customer_key = card_totals.customer_key
    left join rm
        on
            products_held.biz_date = rm.biz_date
            and products_held.customer_key = rm.customer_key
),

final as (
    select
        joined.biz_date,
        joined.customer_key,
        joined.aum_cny,
        joined.deposits_cny,
        joined.demand_deposits_cny,
        joined.time_deposits_cny,
        joined.wealth_cny,
        joined.loans_cny,
        joined.card_outstanding_cny,
        joined.liabilities_cny,
        joined.credit_limit_cny,
        joined.worst_five_class,
        joined.max_loan_overdue_days,
        joined.max_card_overdue_days,
        joined.deposit_accounts,
        joined.loan_contracts,
        joined.credit_cards,
        joined.debit_cards,
        joined.accounts_count,
        joined.products_held,
        joined.rm_staff_id,
        joined.rm_branch_code,
        joined.primary_branch_basis,
        joined.primary_branch.booking_branch_code,
        joined.primary_branch.branch_code,
        joined.primary_branch.branch_l1_code,
        joined.primary_branch.branch_l2_code,
        joined.primary_branch.branch_l3_code,
        joined.primary_branch.branch_l4_code,
        joined.primary_branch.branch_l5_code
    from joined
)

select * from final
