{#-
    Cards per business date: every credit card of card_statement (FULL: every credit card not
    closed before T) with its limit (yuan), outstanding (yuan) and overdue days, and every debit
    card open as of the date (latest card_account version not closed), linked to its core
    account. Card numbers are personal data: the mart carries card_key (salted SHA-256,
    macro card_key), never the number. Card attributes are the latest card_account version
    delivered on or before the date; the customer is holder_id through customer_xref; branch
    codes are the issuing branch's as of the date (merged outlet under its survivor).
    Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    tags=['date_range'],
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with statements as (
    select
        biz_date,
        {{ card_key('card_no') }} as card_key,
        outstanding,
        overdue_days
    from {{ ref('stg_card__statements') }}
    where {{ biz_date_filter('biz_date') }}
),

cards as (
    select *
    from
        {{ delta_versions(ref('int_card_account_versions'), 'card_key', current_biz_date()) }}
            as versions
    {%- if is_incremental() %}
        where valid_to_biz_date > {{ biz_date_first() }}
    {%- endif %}
),

business_dates as (
    select distinct biz_date from {{ ref('int_branch_codes_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

debit_cards as (
    select
        business_dates.biz_date,
        cards.card_key
    from business_dates
    inner join cards
        on
            business_dates.biz_date >= cards.valid_from_biz_date
            and business_dates.biz_date < cards.valid_to_biz_date
    where cards.card_kind = 'D' and coalesce(cards.status, 'A') != 'C'
),

population as (
    select
        biz_date,
        card_key,
        outstanding,
        overdue_days,
        true as has_statement
    from statements
    union all
    select
        debit_cards.biz_date,
        debit_cards.card_key,
        cast(null as decimal(18, 2)) as outstanding,
        cast(null as bigint) as overdue_days,
        false as has_statement
    from debit_cards
    left join statements
        on debit_cards.biz_date = statements.biz_date and debit_cards.card_key = statements.card_key
    where statements.card_key is null
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
    where source_system = 'card'
),

final as (
    select
        ---------- keys
        population.biz_date,
        population.card_key,
        xref.customer_key,
        cards.holder_id as source_customer_no,
        ---------- card
        coalesce(cards.card_kind, 'C') as card_kind,
        case coalesce(cards.card_kind, 'C') when 'D' then 'DC' else 'CC' end as product_code,
        cards.linked_acct_no,
        cards.status as card_status,
        cards.open_date,
        cards.card_key is not null as has_card_record,
        population.has_statement,
        ---------- amounts (yuan)
        cards.credit_limit,
        population.outstanding,
        population.overdue_days,
        ---------- organisation as of the date
        cards.issue_branch as booking_branch_code,
        {{ reporting_branch_columns() }}
    from population
    left join cards
        on
            population.card_key = cards.card_key
            and population.biz_date >= cards.valid_from_biz_date
            and population.biz_date < cards.valid_to_biz_date
    left join branches
        on
            population.biz_date = branches.biz_date
            and cards.issue_branch = branches.booking_branch_code
    left join branches as fallback
        on population.biz_date = fallback.biz_date and fallback.booking_branch_code = '*'
    left join xref on cards.holder_id = xref.source_customer_no
)

select * from final
