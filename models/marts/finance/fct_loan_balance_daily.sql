{#-
    Loan balances: one row per contract per business date, from loan_balance (FULL: every
    contract not settled before T), with principal in yuan (the spec's unit for
    principal_balance, whatever the contract currency), overdue days and the five-class grade.
    Contract attributes are the latest loan_contract version delivered on or before the date;
    the customer is loan_cust_id resolved through customer_xref; branch codes are the booking
    branch's as of the date (merged outlet under its survivor). Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    tags=['date_range'],
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with balances as (
    select * from {{ ref('stg_loan__balances') }}
    where {{ biz_date_filter('biz_date') }}
),

contracts as (
    select *
    from
        {{ delta_versions(ref('int_loan_contract_versions'), 'contract_no', current_biz_date()) }}
            as versions
    {%- if is_incremental() %}
        where valid_to_biz_date > {{ biz_date_first() }}
    {%- endif %}
),

branches as (
    select * from {{ ref('int_branch_codes_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

xref as (
    select
        source_customer_no,
        customer_key
    from {{ ref('customer_xref') }}
    where source_system = 'loan'
),

products as (
    select * from {{ ref('dim_product') }}
),

final as (
    select
        ---------- keys
        balances.biz_date,
        balances.contract_no,
        xref.customer_key,
        contracts.loan_cust_id as source_customer_no,
        ---------- product and terms
        contracts.product_code,
        products.product_category,
        products.customer_segment,
        contracts.currency as contract_currency,
        contracts.contract_amount,
        contracts.start_date,
        contracts.maturity_date,
        contracts.interest_rate,
        contracts.status as contract_status,
        contracts.contract_no is not null as has_contract_record,
        ---------- balance and risk
        balances.principal_balance as principal_cny,
        balances.overdue_days,
        balances.five_class,
        coalesce(balances.five_class in ('3', '4', '5'), false) as is_non_performing,
        ---------- organisation as of the date
        contracts.branch_code as booking_branch_code,
        {{ reporting_branch_columns() }}
    from balances
    left join contracts
        on
            balances.contract_no = contracts.contract_no
            and balances.biz_date >= contracts.valid_from_biz_date
            and balances.biz_date < contracts.valid_to_biz_date
    left join branches
        on
            balances.biz_date = branches.biz_date
            and contracts.branch_code = branches.booking_branch_code
    left join branches as fallback
        on balances.biz_date = fallback.biz_date and fallback.booking_branch_code = '*'
    left join xref on contracts.loan_cust_id = xref.source_customer_no
    left join products on contracts.product_code = products.product_code
)

select * from final
