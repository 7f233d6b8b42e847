{#-
    KPIs of every branch at every level on every business date. A branch at level k owns the
    rows whose branch_l<k>_code is its code, so a sub-branch's figures include its outlets'
    and anything booked at the sub-branch itself; a merged outlet's business counts under its
    survivor from the merge date (the facts book it there) and the merged outlet shows zeros.

    Balances (AUM, deposits, wealth, loans, non-performing loans, cards) are summed from the
    account facts by the account's booking branch, so bank-wide they equal the staged
    balances to the cent (rows without a known branch count under the head office).
    Customers are counted at their primary branch (fct_customer_daily): new = held nothing the
    previous business date, lost = held something then and nothing now (counted where they
    were). Net deposit flow = core credits minus debits of the day, without transfers between
    the customer's own accounts and system postings (interest, maturities); external outflow
    = debits to other banks. Rolling 30-day net flow and the attrition watch list give the
    branch outflow trend. Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}
{%- set tiers = tier_names() %}

with branches as (
    select * from {{ ref('int_branches_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

deposits as (
    select * from {{ ref('fct_deposit_balance_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

loans as (
    select * from {{ ref('fct_loan_balance_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

cards as (
    select * from {{ ref('fct_card_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

flows as (
    select * from {{ ref('fct_transactions') }}
    where
        {{ biz_date_filter('biz_date') }}
        and source_system = 'core'
        and channel != 'SYS'
        and counterparty_kind != 'own_account'
),

customer_days as {{ inline_cte() }} (
    select
        biz_date,
        customer_key,
        {{ branch_code_columns() }}
    from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter_with_lookback('biz_date', 1) }}
),

customer_dates as (
    select distinct biz_date from customer_days
),

tiers as (
    select
        month_start_date,
        customer_key,
        tier
    from {{ ref('mart_customer_tier') }}
),

watch as (
    select * from {{ ref('mart_attrition_watch') }}
    where {{ biz_date_filter('biz_date') }}
),

balance_rows as (
    select
        biz_date,
        {{ branch_code_columns() }},
        balance_cny as aum_cny,
        case when deposit_family in ('demand', 'time') then balance_cny else 0 end
            as deposits_cny,
        case when deposit_family = 'wealth' then balance_cny else 0 end as wealth_cny,
        0 as loans_cny,
        0 as npl_loans_cny,
        0 as card_outstanding_cny,
        0 as credit_limit_cny,
        0 as net_deposit_flow_cny,
        0 as external_outflow_cny
    from deposits
    union all
    select
        biz_date,
        {{ branch_code_columns() }},
        0 as aum_cny,
        0 as deposits_cny,
        0 as wealth_cny,
        principal_cny as loans_cny,
        case when is_non_performing then principal_cny else 0 end as npl_loans_cny,
        0 as card_outstanding_cny,
        0 as credit_limit_cny,
        0 as net_deposit_flow_cny,
        0 as external_outflow_cny
    from loans
    union all
    select
        biz_date,
        {{ branch_code_columns() }},
        0 as aum_cny,
        0 as deposits_cny,
        0 as wealth_cny,
        0 as loans_cny,
        0 as npl_loans_cny,
        case when card_kind = 'C' then coalesce(outstanding, 0) else 0 end
            as card_outstanding_cny,
        case when card_kind = 'C' then coalesce(credit_limit, 0) else 0 end
            as credit_limit_cny,
        0 as net_deposit_flow_cny,
        0 as external_outflow_cny
    from cards
    union all
    select
        biz_date,
        {{ branch_code_columns() }},
        0 as aum_cny,
        0 as deposits_cny,
        0 as wealth_cny,
        0 as loans_cny,
        0 as npl_loans_cny,
        0 as card_outstanding_cny,
        0 as credit_limit_cny,
        case when direction = 'in' then amount_abs else -amount_abs end as net_deposit_flow_cny,
        case
            when direction = 'out' and counterparty_kind = 'external' then amount_abs else 0
        end as external_outflow_cny
    from flows
),

balance_totals as (
    {{ rollup_to_branch_levels('balance_rows', {
        'aum_cny': 'aum_cny',
        'deposits_cny': 'deposits_cny',
        'wealth_cny': 'wealth_cny',
        'loans_cny': 'loans_cny',
        'npl_loans_cny': 'npl_loans_cny',
        'card_outstanding_cny': 'card_outstanding_cny',
        'credit_limit_cny': 'credit_limit_cny',
        'net_deposit_flow_cny': 'net_deposit_flow_cny',
        'external_outflow_cny': 'external_outflow_cny',
    }) }}
),

{# New and lost customers: a join on (date, customer key) whose other side holds keys
    only. Self-joining every customer-day's whole row to the previous date's spilled gigabytes
    on a month of a 1,000,000-customer bank. #}
customer_rows as (
    select
        today.biz_date,
        {{ branch_code_columns('today.') }},
        1 as customers,
        0 as new_customers,
        0 as lost_customers,
        {%- for t in tiers %}
            case when tiers.tier = '{{ t }}' then 1 else 0 end as customers_{{ t }},
        {%- endfor %}
        0 as watch_customers,
        0 as watch_aum_reference_cny
    from customer_days as today
    left join tiers
        on
            tiers.month_start_date = {{ month_start('today.biz_date') }}
            and today.customer_key = tiers.customer_key
    where {{ biz_date_filter('today.biz_date') }}
    union all
    -- new: held something today, nothing on the previous date (none on the first date)
    select
        today.biz_date,
        {{ branch_code_columns('today.') }},
        0 as customers,
        1 as new_customers,
        0 as lost_customers,
        {%- for t in tiers %}
            0 as customers_{{ t }},
        {%- endfor %}
        0 as watch_customers,
        0 as watch_aum_reference_cny
    from customer_days as today
    inner join customer_dates as previous_date
        on previous_date.biz_date = {{ mart_add_days('today.biz_date', -1) }}
    left join customer_days as yesterday
        on
            previous_date.biz_date = yesterday.biz_date
            and today.customer_key = yesterday.customer_key
    where
        {{ biz_date_filter('today.biz_date') }}
        and yesterday.customer_key is null
    union all
    -- lost: held something on the previous date, nothing today; counted where they were
    select
        next_date.biz_date,
        {{ branch_code_columns('yesterday.') }},
        0 as customers,
        0 as new_customers,
        1 as lost_customers,
        {%- for t in tiers %}
            0 as customers_{{ t }},
        {%- endfor %}
        0 as watch_customers,
        0 as watch_aum_reference_cny
    from customer_days as yesterday
    inner join customer_dates as next_date
        on next_date.biz_date = {{ mart_add_days('yesterday.biz_date', 1) }}
    left join customer_days as today
        on
            next_date.biz_date = today.biz_date
            and yesterday.customer_key = today.customer_key
    where
        {{ biz_date_filter('next_date.biz_date') }}
        and today.customer_key is null
    union all
    select
        biz_date,
        {{ branch_code_columns() }},
        0 as customers,
        0 as new_customers,
        0 as lost_customers,
        {%- for t in tiers %}
            0 as customers_{{ t }},
        {%- endfor %}
        1 as watch_customers,
        aum_reference_cny as watch_aum_reference_cny
    from watch
),

customer_totals as (
    {{ rollup_to_branch_levels('customer_rows', {
        'customers': 'customers',
        'new_customers': 'new_customers',
        'lost_customers': 'lost_customers',
        'customers_mass': 'customers_mass',
        'customers_potential': 'customers_potential',
        'customers_affluent': 'customers_affluent',
        'customers_private_banking': 'customers_private_banking',
        'watch_customers': 'watch_customers',
        'watch_aum_reference_cny': 'watch_aum_reference_cny',
    }) }}
),

daily as (
    select
        branches.biz_date,
        branches.branch_code,
        branches.branch_level,
        branches.branch_name,
        branches.parent_code,
        branches.status as branch_status,
        cast(coalesce(customer_totals.customers, 0) as bigint) as customers,
        cast(coalesce(customer_totals.new_customers, 0) as bigint) as new_customers,
        cast(coalesce(customer_totals.lost_customers, 0) as bigint) as lost_customers,
        {%- for t in tiers %}
            cast(coalesce(customer_totals.customers_{{ t }}, 0) as bigint) as customers_{{ t }},
        {%- endfor %}
        cast(coalesce(balance_totals.aum_cny, 0) as decimal(38, 2)) as aum_cny,
        cast(coalesce(balance_totals.deposits_cny, 0) as decimal(38, 2)) as deposits_cny,
        cast(coalesce(balance_totals.wealth_cny, 0) as decimal(38, 2)) as wealth_cny,
        cast(coalesce(balance_totals.loans_cny, 0) as decimal(38, 2)) as loans_cny,
        cast(coalesce(balance_totals.npl_loans_cny, 0) as decimal(38, 2)) as npl_loans_cny,
        case
            when balance_totals.loans_cny > 0
                then
                    cast(
                        round(
                            balance_totals.npl_loans_cny / balance_totals.loans_cny, 6
                        ) as decimal(12, 6)
                    )
        end as npl_ratio,
        cast(coalesce(balance_totals.card_outstanding_cny, 0) as decimal(38, 2))
            as card_outstanding_cny,
        cast(coalesce(balance_totals.credit_limit_cny, 0) as decimal(38, 2)) as credit_limit_cny,
        cast(coalesce(balance_totals.net_deposit_flow_cny, 0) as decimal(38, 2))
            as net_deposit_flow_cny,
        cast(coalesce(balance_totals.external_outflow_cny, 0) as decimal(38, 2))
            as external_outflow_cny,
        cast(coalesce(customer_totals.watch_customers, 0) as bigint) as attrition_watch_customers,
        cast(coalesce(customer_totals.watch_aum_reference_cny, 0) as decimal(38, 2))
            as attrition_watch_aum_cny,
        {{ branch_code_columns('branches.') }}
    from branches
    left join balance_totals
        on
            branches.biz_date = balance_totals.biz_date
            and branches.branch_level = balance_totals.branch_level
            and branches.branch_code = balance_totals.branch_code
    left join customer_totals
        on
            branches.biz_date = customer_totals.biz_date
            and branches.branch_level = customer_totals.branch_level
            and branches.branch_code = customer_totals.branch_code
),

history as (
    {#- 30-day rolling net flow: earlier days from this table on a daily run -#}
    select
        biz_date,
        branch_code,
        net_deposit_flow_cny
    from daily
    {%- if is_incremental() %}
        union all
        select
            biz_date,
            branch_code,
            net_deposit_flow_cny
        from {{ this }}
        where
            biz_date >= {{ mart_add_days(current_biz_date(), -29) }}
            and biz_date < {{ current_biz_date() }}
    {%- endif %}
),

rolling as (
    select
        biz_date,
        branch_code,
        sum(net_deposit_flow_cny) over (
            partition by branch_code order by {{ day_number('biz_date') }}
            range between 29 preceding and current row
        ) as net_deposit_flow_30d_cny
    from history
),

final as (
    select
        daily.*,
        cast(rolling.net_deposit_flow_30d_cny as decimal(38, 2)) as net_deposit_flow_30d_cny
    from daily
    inner join rolling
        on daily.biz_date = rolling.biz_date and daily.branch_code = rolling.branch_code
)

select
    biz_date,
    branch_code,
    branch_level,
    branch_name,
    parent_code,
    branch_status,
    customers,
    new_customers,
    lost_customers,
    {%- for t in tiers %}
        customers_{{ t }},
    {%- endfor %}
    aum_cny,
    deposits_cny,
    wealth_cny,
    loans_cny,
    npl_loans_cny,
    npl_ratio,
    card_outstanding_cny,
    credit_limit_cny,
    net_deposit_flow_cny,
    net_deposit_flow_30d_cny,
    external_outflow_cny,
    attrition_watch_customers,
    attrition_watch_aum_cny,
    {{ branch_code_columns() }}
from final
