{#-
    Transactions of the business date from core (core_txn) and cards (card_txn), one row each.
    - direction from the customer's side: 'out' (core D; card PUR, CSH, FEE) or 'in' (core C;
      card RFD, REP).
    - channel: core's own code; cards have none in the spec, so it is derived from the type
      (PUR/RFD 'POS', CSH 'ATM', REP/FEE 'SYS') and channel_is_derived says so.
    - counterparty_kind (core): 'none' without a counterparty account; 'own_account' when the
      counterparty account belongs to the same customer (customer_key, as of the date);
      'internal' when it is another account of the bank; 'external' otherwise. Card
      transactions have no counterparty account: 'none'.
    - amount in yuan as delivered (card amounts are negative for refunds and repayments) and
      amount_abs. Card numbers are pseudonymised (card_key).
    Account/card attributes are the latest DELTA version on or before the date. Incremental by
    biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    tags=['date_range'],
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with core_txn as (
    select * from {{ ref('stg_core__transactions') }}
    where {{ biz_date_filter('biz_date') }}
),

card_txn as (
    select
        *,
        {{ card_key('card_no') }} as card_key
    from {{ ref('stg_card__transactions') }}
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

cards as (
    select *
    from
        {{ delta_versions(ref('int_card_account_versions'), 'card_key', current_biz_date()) }}
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
        source_system,
        source_customer_no,
        customer_key
    from {{ ref('customer_xref') }}
),

core_enriched as (
    select
        core_txn.biz_date,
        'core' as source_system,
        core_txn.txn_id,
        core_txn.txn_ts,
        core_txn.acct_no,
        cast(null as string) as card_key,
        own.cust_no as source_customer_no,
        own_xref.customer_key,
        own.product_code,
        core_txn.dr_cr,
        case core_txn.dr_cr when 'D' then 'out' when 'C' then 'in' end as direction,
        core_txn.channel,
        false as channel_is_derived,
        cast(null as string) as card_txn_type,
        cast(null as string) as mcc,
        case
            when core_txn.counterparty_acct is null then 'none'
            when
                counterparty_xref.customer_key is not null
                and counterparty_xref.customer_key = own_xref.customer_key
                then 'own_account'
            when counterparty.acct_no is not null then 'internal'
            else 'external'
        end as counterparty_kind,
        core_txn.amount,
        own.branch_code as booking_branch_code
    from core_txn
    left join accounts as own
        on
            core_txn.acct_no = own.acct_no
            and core_txn.biz_date >= own.valid_from_biz_date
            and core_txn.biz_date < own.valid_to_biz_date
    left join xref as own_xref
        on own_xref.source_system = 'core' and own.cust_no = own_xref.source_customer_no
    left join accounts as counterparty
        on
            core_txn.counterparty_acct = counterparty.acct_no
            and core_txn.biz_date >= counterparty.valid_from_biz_date
            and core_txn.biz_date < counterparty.valid_to_biz_date
    left join xref as counterparty_xref
        on
            counterparty_xref.source_system = 'core'
            and counterparty.cust_no = counterparty_xref.source_customer_no
),

card_enriched as (
    select
        card_txn.biz_date,
        'card' as source_system,
        card_txn.auth_id as txn_id,
        card_txn.txn_ts,
        cast(null as string) as acct_no,
        card_txn.card_key,
        cards.holder_id as source_customer_no,
        card_xref.customer_key,
        case coalesce(cards.card_kind, 'C') when 'D' then 'DC' else 'CC' end as product_code,
        case when card_txn.txn_type in ('RFD', 'REP') then 'C' else 'D' end as dr_cr,
        case when card_txn.txn_type in ('RFD', 'REP') then 'in' else 'out' end as direction,
        case card_txn.txn_type
            when 'PUR' then 'POS'
            when 'RFD' then 'POS'
            when 'CSH' then 'ATM'
            else 'SYS'
        end as channel,
        true as channel_is_derived,
        card_txn.txn_type as card_txn_type,
        card_txn.mcc,
        'none' as counterparty_kind,
        card_txn.amount,
        cards.issue_branch as booking_branch_code
    from card_txn
    left join cards
        on
            card_txn.card_key = cards.card_key
            and card_txn.biz_date >= cards.valid_from_biz_date
            and card_txn.biz_date < cards.valid_to_biz_date
    left join xref as card_xref
        on card_xref.source_system = 'card' and cards.holder_id = card_xref.source_customer_no
),

unioned as (
    select * from core_enriched
    union all
    select * from card_enriched
),

final as (
    select
        concat(unioned.source_system, ':', unioned.txn_id) as txn_key,
        unioned.biz_date,
        unioned.source_system,
        unioned.txn_id,
        unioned.txn_ts,
        unioned.acct_no,
        unioned.card_key,
        unioned.customer_key,
        unioned.source_customer_no,
        unioned.product_code,
        unioned.dr_cr,
        unioned.direction,
        unioned.channel,
        unioned.channel_is_derived,
        unioned.card_txn_type,
        unioned.mcc,
        unioned.counterparty_kind,
        unioned.amount,
        abs(unioned.amount) as amount_abs,
        unioned.booking_branch_code,
        {{ reporting_branch_columns() }}
    from unioned
    left join branches
        on
            unioned.biz_date = branches.biz_date
            and unioned.booking_branch_code = branches.booking_branch_code
    left join branches as fallback
        on unioned.biz_date = fallback.biz_date and fallback.booking_branch_code = '*'
)

select * from final
