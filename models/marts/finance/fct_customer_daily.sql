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
    primary_branch_basis says which rule applied. Branch codes are as of the date, a merged
    outlet under its survivor. Rows without a resolved customer_key (an orphan account) are not
    in this table; rec_finance_daily counts them. Incremental by biz_date, reading only the
    facts' rows of T.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with deposits as (
    select * from {{ ref('fct_deposit_balance_daily') }}
    where {{ biz_date_filter('biz_date') }} and customer_key is not null
),

loans as (
    select * from {{ ref('fct_loan_balance_daily') }}
    where {{ biz_date_filter('biz_date') }} and customer_key is not null
),

cards as (
    select * from {{ ref('fct_card_daily') }}
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
        cast(count(*) as bigint) as deposit_accounts
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
        max(overdue_days) as max_loan_overdue_days
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
        max(overdue_days) as max_card_overdue_days
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

branch_candidates as (
    select
        biz_date,
        customer_key,
        'deposit' as basis,
        1 as basis_rank,
        balance_cny as amount,
        open_date as since_date,
        acct_no as item_id,
        booking_branch_code,
        branch_code,
        branch_l1_code,
        branch_l2_code,
        branch_l3_code,
        branch_l4_code,
        branch_l5_code
    from deposits
    union all
    select
        biz_date,
        customer_key,
        'loan' as basis,
        2 as basis_rank,
        principal_cny as amount,
        start_date as since_date,
        contract_no as item_id,
        booking_branch_code,
        branch_code,
        branch_l1_code,
        branch_l2_code,
        branch_l3_code,
        branch_l4_code,
        branch_l5_code
    from loans
    union all
    select
        biz_date,
        customer_key,
        'card' as basis,
        3 as basis_rank,
        coalesce(credit_limit, 0) as amount,
        open_date as since_date,
        card_key as item_id,
        booking_branch_code,
        branch_code,
        branch_l1_code,
        branch_l2_code,
        branch_l3_code,
        branch_l4_code,
        branch_l5_code
    from cards
),

primary_branch as (
    select *
    from (
        select
            branch_candidates.*,
            row_number() over (
                partition by branch_candidates.biz_date, branch_candidates.customer_key
                order by
                    branch_candidates.basis_rank asc,
                    branch_candidates.amount desc nulls last,
                    branch_candidates.since_date asc nulls last,
                    branch_candidates.item_id asc
            ) as candidate_rank
        from branch_candidates
    ) as ranked
    where candidate_rank = 1
),

final as (
    select
        primary_branch.biz_date,
        primary_branch.customer_key,
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
        primary_branch.basis as primary_branch_basis,
        primary_branch.booking_branch_code,
        primary_branch.branch_code,
        primary_branch.branch_l1_code,
        primary_branch.branch_l2_code,
        primary_branch.branch_l3_code,
        primary_branch.branch_l4_code,
        primary_branch.branch_l5_code
    from primary_branch
    left join deposit_totals
        on
            primary_branch.biz_date = deposit_totals.biz_date
            and primary_branch.customer_key = deposit_totals.customer_key
    left join loan_totals
        on
            primary_branch.biz_date = loan_totals.biz_date
            and primary_branch.customer_key = loan_totals.customer_key
    left join card_totals
        on
            primary_branch.biz_date = card_totals.biz_date
            and primary_branch.customer_key = card_totals.customer_key
    left join products_held
        on
            primary_branch.biz_date = products_held.biz_date
            and primary_branch.customer_key = products_held.customer_key
    left join rm
        on
            primary_branch.biz_date = rm.biz_date
            and primary_branch.customer_key = rm.customer_key
)

select * from final
