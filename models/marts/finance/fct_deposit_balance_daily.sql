{#-
    End-of-day deposit and wealth balances: one row per core account per business date, from
    core_balance (FULL: every account not closed before T), so bank-wide totals reconcile to the
    staged balances and the extraction control totals to the cent.
    The account's attributes (customer, product, booking branch, status) are its latest
    core_account version delivered on or before the date (delta_versions); the customer is the
    core cust_no resolved through customer_xref; the branch codes are those of the booking
    branch as of the date, a merged outlet reported under its survivor from the merge date.
    Amounts in the account currency and in CNY at the day's rate. Incremental by biz_date.
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
    select * from {{ ref('stg_core__balances') }}
    where {{ biz_date_filter('biz_date') }}
),

accounts as (
    select *
    from
        {{ delta_versions(ref('int_core_account_versions'), 'acct_no', current_biz_date()) }}
            as versions
    {%- if is_incremental() %}
        where valid_to_biz_date > {{ biz_date_first() }}
    {%- endif %}
),

rates as (
    select * from {{ ref('fct_fx_rate_daily') }}
    where {{ biz_date_filter('biz_date') }}
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
    where source_system = 'core'
),

products as (
    select * from {{ ref('dim_product') }}
),

final as (
    select
        ---------- keys
        balances.biz_date,
        balances.acct_no,
        xref.customer_key,
        accounts.cust_no as source_customer_no,
        ---------- product
        accounts.product_code,
        coalesce(products.deposit_family, 'unknown') as deposit_family,
        products.customer_segment,
        ---------- amounts
        balances.currency,
        balances.balance,
        balances.accrued_interest,
        rates.rate_to_cny,
        {{ to_cny('balances.balance', 'rates.rate_to_cny') }} as balance_cny,
        {{ to_cny('balances.accrued_interest', 'rates.rate_to_cny') }} as accrued_interest_cny,
        ---------- account state as of the date
        accounts.status as account_status,
        accounts.open_date,
        accounts.close_date,
        accounts.acct_no is not null as has_account_record,
        ---------- organisation as of the date
        accounts.branch_code as booking_branch_code,
        {{ reporting_branch_columns() }}
    from balances
    left join accounts
        on
            balances.acct_no = accounts.acct_no
            and balances.biz_date >= accounts.valid_from_biz_date
            and balances.biz_date < accounts.valid_to_biz_date
    left join rates
        on balances.biz_date = rates.biz_date and balances.currency = rates.currency
    left join branches
        on
            balances.biz_date = branches.biz_date
            and accounts.branch_code = branches.booking_branch_code
    left join branches as fallback
        on balances.biz_date = fallback.biz_date and fallback.booking_branch_code = '*'
    left join xref on accounts.cust_no = xref.source_customer_no
    left join products on accounts.product_code = products.product_code
)

select * from final
