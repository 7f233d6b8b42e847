{#-
    Cross-sell opportunities per business date, one row per customer and opportunity:
      - credit_card_limit (the case that motivated the project): a person with AUM of at
        least cross_sell_card_min_aum (500,000 CNY) and no credit card, or a total limit below
        cross_sell_limit_gap_ratio (50%) of what the deposits support; the supported limit is
        cross_sell_limit_to_aum_ratio (10%) of AUM, capped at cross_sell_limit_cap (1,000,000);
      - loan_for_depositor: deposits of at least cross_sell_depositor_min_deposits (50,000)
        and no loan;
      - deposit_for_borrower: a borrower whose AUM is below cross_sell_borrower_max_aum (1,000).
    Consent gate (PIPL; spec 4: no event = no consent): only customers who, as of the date,
    consent to marketing on some channel (MKT_SMS, MKT_CALL, MKT_APP) or to profiling appear;
    a withdrawal delivered on T removes them from T's list (used on T+1). contact_channels
    lists the channels they may be contacted on. Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}

with customers as (
    select * from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

consent_rows as (
    select
        customer_key,
        purpose,
        is_granted,
        valid_from,
        valid_to
    from {{ ref('int_customer_consents') }}
    where valid_from is not null and valid_to is not null
),

{# A customer's consents are constant between two consecutive dates on which one of their
    consent rows starts or ends: one row per such period with the flags in force, which each
    customer-day then finds by its key. Building the flags of every customer on every date
    first grouped tens of millions of rows on a month of a 1,000,000-customer bank. #}
consent_boundaries as (
    select
        customer_key,
        valid_from as boundary_date
    from consent_rows
    union
    select
        customer_key,
        valid_to as boundary_date
    from consent_rows
),

consent_periods as (
    select
        customer_key,
        boundary_date as period_start,
        lead(boundary_date) over (
            partition by customer_key order by boundary_date
        ) as period_end
    from consent_boundaries
),

consents as (
    select
        consent_periods.customer_key,
        consent_periods.period_start,
        consent_periods.period_end,
        bool_or(consent.purpose = 'MKT_SMS' and consent.is_granted) as consent_mkt_sms,
        bool_or(consent.purpose = 'MKT_CALL' and consent.is_granted) as consent_mkt_call,
        bool_or(consent.purpose = 'MKT_APP' and consent.is_granted) as consent_mkt_app,
        bool_or(consent.purpose = 'PROFILING' and consent.is_granted) as consent_profiling
    from consent_periods
    inner join consent_rows as consent
        on
            consent_periods.customer_key = consent.customer_key
            and consent_periods.period_start >= consent.valid_from
            and consent_periods.period_start < consent.valid_to
    where consent_periods.period_end is not null
    group by consent_periods.customer_key, consent_periods.period_start, consent_periods.period_end
),

gated as (
    select
        customers.*,
        golden.party_kind,
        consents.consent_mkt_sms or consents.consent_mkt_call or consents.consent_mkt_app
            as may_contact,
        consents.consent_profiling as may_profile,
        nullif(concat_ws(
            ',',
            case when consents.consent_mkt_sms then 'SMS' end,
            case when consents.consent_mkt_call then 'CALL' end,
            case when consents.consent_mkt_app then 'APP' end
        ), '') as contact_channels,
        cast(round(
            least(
                customers.aum_cny * {{ mart_param('cross_sell_limit_to_aum_ratio') }},
                {{ mart_param('cross_sell_limit_cap') }}
            ),
            2
        ) as decimal(38, 2)) as supported_limit_cny
    from customers
    inner join consents
        on
            customers.customer_key = consents.customer_key
            and customers.biz_date >= consents.period_start
            and customers.biz_date < consents.period_end
    left join {{ ref('dim_customer') }} as golden
        on customers.customer_key = golden.customer_key
    where
        consents.consent_mkt_sms
        or consents.consent_mkt_call
        or consents.consent_mkt_app
        or consents.consent_profiling
),

opportunities as (
    select
        *,
        'credit_card_limit' as opportunity
    from gated
    where
        party_kind = 'P'
        and aum_cny >= {{ mart_param('cross_sell_card_min_aum') }}
        and (
            credit_cards = 0
            or credit_limit_cny
            < supported_limit_cny * {{ mart_param('cross_sell_limit_gap_ratio') }}
        )
    union all
    select
        *,
        'loan_for_depositor' as opportunity
    from gated
    where
        deposits_cny >= {{ mart_param('cross_sell_depositor_min_deposits') }} and loan_contracts = 0
    union all
    select
        *,
        'deposit_for_borrower' as opportunity
    from gated
    where loan_contracts > 0 and aum_cny < {{ mart_param('cross_sell_borrower_max_aum') }}
),

final as (
    select
        opportunities.biz_date,
        opportunities.customer_key,
        opportunities.opportunity,
        opportunities.party_kind,
        tiers.tier,
        opportunities.aum_cny,
        opportunities.deposits_cny,
        opportunities.loans_cny,
        cast(opportunities.credit_cards as bigint) as credit_cards,
        opportunities.credit_limit_cny,
        case
            when opportunities.opportunity = 'credit_card_limit'
                then opportunities.supported_limit_cny
        end as supported_limit_cny,
        case
            when opportunities.opportunity = 'credit_card_limit'
                then opportunities.supported_limit_cny - opportunities.credit_limit_cny
        end
            as limit_gap_cny,
        coalesce(opportunities.may_contact, false) as may_contact,
        coalesce(opportunities.may_profile, false) as may_profile,
        opportunities.contact_channels,
        opportunities.rm_staff_id,
        opportunities.branch_code,
        {{ branch_code_columns('opportunities.') }}
    from opportunities
    left join {{ ref('mart_customer_tier') }} as tiers
        on
            tiers.month_start_date = {{ month_start('opportunities.biz_date') }}
            and opportunities.customer_key = tiers.customer_key
)

select * from final
