{#-
    One row per customer as of each month end and the latest business date: golden
    attributes, AUM and month-average AUM, deposits by product, loans and worst five-class,
    cards and limits, products held, channels used in the last 90 days, RM, tier, consent
    flags and data-quality flags, under the customer's primary branch (fct_customer_daily).

    Customers are those holding something on the date (a row in fct_customer_daily). Golden
    attributes and data-quality flags are those in force on the row's date: the version of
    dim_customer_history valid on it (valid_from <= date <= valid_to, or still open), so a
    month-end row rebuilt later shows what the golden record was at that month end, not today.
    A customer key whose history starts after the date (history begins with the warehouse's
    first build) takes its earliest version. A daily run at T writes T's rows and its post-hook
    drops the previous latest date unless it is a month end; a --full-refresh builds every
    month end and T, with the same rows (dim_customer_history keeps its versions through a
    --full-refresh).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
    partition_by=['biz_date'],
    post_hook=["{{ drop_superseded_snapshots(this) }}"],
) }}
{%- set deposit_products = ['D01', 'T03', 'T06', 'T12', 'T24', 'T36', 'T60', 'C01', 'C02',
    'N01', 'W01'] %}
{%- set channels = ['CNT', 'ATM', 'MOB', 'WEB', 'POS', 'SYS'] %}
{%- set purposes = ['MKT_SMS', 'MKT_CALL', 'MKT_APP', 'PROFILING'] %}
{%- set lookback = mart_param('channel_lookback_days') | int %}

with state as (
    select * from {{ ref('int_customer_month_state') }}
    where
        {{ biz_date_filter('biz_date') }}
        and ({{ is_month_end('biz_date') }} or biz_date = {{ current_biz_date() }})
),

snapshot_dates as (
    select distinct biz_date from state
),

customers as (
    select fct.*
    from {{ ref('fct_customer_daily') }} as fct
    inner join snapshot_dates on fct.biz_date = snapshot_dates.biz_date
    where {{ biz_date_filter('fct.biz_date') }}
),

deposits_by_product as (
    select
        balances.biz_date,
        balances.customer_key,
    {%- for code in deposit_products %}
        cast(
            sum(case when balances.product_code = '{{ code }}' then balances.balance_cny else 0 end)
            as decimal(38, 2)
        ) as balance_{{ code | lower }}_cny{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ ref('fct_deposit_balance_daily') }} as balances
    inner join snapshot_dates on balances.biz_date = snapshot_dates.biz_date
    where {{ biz_date_filter('balances.biz_date') }} and balances.customer_key is not null
    group by balances.biz_date, balances.customer_key
),

products as (
    select
        holdings.biz_date,
        holdings.customer_key,
        {{ sorted_list_agg('holdings.product_code') }} as products_held_list
    from (
        select
            biz_date,
            customer_key,
            product_code
        from {{ ref('fct_deposit_balance_daily') }}
        where {{ biz_date_filter('biz_date') }}
        union all
        select
            biz_date,
            customer_key,
            product_code
        from {{ ref('fct_loan_balance_daily') }}
        where {{ biz_date_filter('biz_date') }}
        union all
        select
            biz_date,
            customer_key,
            product_code
        from {{ ref('fct_card_daily') }}
        where {{ biz_date_filter('biz_date') }}
    ) as holdings
    inner join snapshot_dates on holdings.biz_date = snapshot_dates.biz_date
    where holdings.customer_key is not null and holdings.product_code is not null
    group by holdings.biz_date, holdings.customer_key
),

consents as (
    select
        snapshot_dates.biz_date,
        consent.customer_key,
    {%- for p in purposes %}
        bool_or(consent.purpose = '{{ p }}' and consent.is_granted) as consent_{{ p | lower }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from snapshot_dates
    inner join {{ ref('int_customer_consents') }} as consent
        on
            snapshot_dates.biz_date >= consent.valid_from
            and snapshot_dates.biz_date < consent.valid_to
    group by snapshot_dates.biz_date, consent.customer_key
),

tiers as (
    select * from {{ ref('mart_customer_tier') }}
),

golden_versions as (
    {#- every version not closed before the snapshot date: the one in force on it first, else
        the earliest later one. Ranked on the keys alone, then joined to the chosen version's
        attributes (unique by customer_key, valid_from): ranking the whole rows sorted every
        attribute too. -#}
    select
        snapshot_dates.biz_date,
        history.customer_key,
        history.valid_from,
        row_number() over (
            partition by snapshot_dates.biz_date, history.customer_key
            order by
                case when history.valid_from <= snapshot_dates.biz_date then 0 else 1 end,
                history.valid_from asc
        ) as version_rank
    from snapshot_dates
    inner join {{ ref('dim_customer_history') }} as history
        on coalesce(history.valid_to, cast('9999-12-31' as date)) >= snapshot_dates.biz_date
),

golden as (
    select
        golden_versions.biz_date,
        history.*
    from golden_versions
    inner join {{ ref('dim_customer_history') }} as history
        on
            golden_versions.customer_key = history.customer_key
            and golden_versions.valid_from = history.valid_from
    where golden_versions.version_rank = 1
),

final as (
    select
        customers.biz_date,
        customers.customer_key,
        case when {{ is_month_end('customers.biz_date') }} then 'month_end' else 'latest' end
            as snapshot_kind,
        ---------- golden attributes
        golden.party_kind,
        golden.customer_name,
        golden.resident_id,
        golden.uscc,
        golden.sex,
        golden.birth_date,
        golden.region_code,
        golden.mobile,
        golden.address_district,
        golden.annual_income,
        golden.occupation,
        golden.education,
        golden.industry_code,
        golden.ent_nature,
        golden.ent_scale,
        golden.credit_rating,
        golden.first_seen_date,
        golden.relationship_start_date,
        ---------- assets
        customers.aum_cny,
        cast(
            {{ round_double('cast(state.aum_sum_mtd as double) / state.month_days', 2) }}
            as decimal(38, 2)
        ) as month_avg_aum_cny,
        customers.deposits_cny,
        customers.demand_deposits_cny,
        customers.time_deposits_cny,
        customers.wealth_cny,
        {%- for code in deposit_products %}
            coalesce(deposits_by_product.balance_{{ code | lower }}_cny, 0)
                as balance_{{ code | lower }}_cny,
        {%- endfor %}
        ---------- liabilities
        customers.loans_cny,
        customers.loan_contracts,
        customers.worst_five_class,
        customers.max_loan_overdue_days,
        cast(customers.credit_cards as bigint) as credit_cards,
        cast(customers.debit_cards as bigint) as debit_cards,
        customers.credit_limit_cny,
        customers.card_outstanding_cny,
        customers.max_card_overdue_days,
        customers.products_held,
        products.products_held_list,
        ---------- channels used in the last N days (var channel_lookback_days)
        {%- for ch in channels %}
            coalesce(
                state.last_{{ ch | lower }}_date
                > {{ mart_add_days('customers.biz_date', -lookback) }},
                false
            )
                as used_{{ ch | lower }}_recently,
        {%- endfor %}
        nullif(concat_ws(
            ',',
            {%- for ch in channels %}
                case
                    when
                        state.last_{{ ch | lower }}_date
                        > {{ mart_add_days('customers.biz_date', -lookback) }}
                        then '{{ ch }}'
                end{{ ',' if not loop.last }}
            {%- endfor %}
        ), '') as channels_used_recently,
        ---------- relationship manager and tier
        customers.rm_staff_id,
        tiers.tier,
        tiers.qualifying_tier,
        ---------- consents (no event = no consent)
        {%- for p in purposes %}
            coalesce(consents.consent_{{ p | lower }}, false) as consent_{{ p | lower }},
        {%- endfor %}
        coalesce(
            consents.consent_mkt_sms or consents.consent_mkt_call or consents.consent_mkt_app,
            false
        ) as may_contact,
        coalesce(consents.consent_profiling, false) as may_profile,
        ---------- data quality
        golden.identity_quality,
        coalesce(golden.identity_quality in ('valid', 'valid_uscc'), false)
            as has_valid_identity,
        golden.mobile is not null as has_mobile,
        golden.has_mobile_conflict,
        golden.has_address_conflict,
        golden.has_birth_date_conflict,
        golden.has_gender_conflict,
        golden.is_pre_realname,
        golden.completeness_score,
        ---------- branch
        customers.branch_code,
        {{ branch_code_columns('customers.') }}
    from customers
    inner join state
        on customers.biz_date = state.biz_date and customers.customer_key = state.customer_key
    left join deposits_by_product
        on
            customers.biz_date = deposits_by_product.biz_date
            and customers.customer_key = deposits_by_product.customer_key
    left join products
        on
            customers.biz_date = products.biz_date
            and customers.customer_key = products.customer_key
    left join consents
        on
            customers.biz_date = consents.biz_date
            and customers.customer_key = consents.customer_key
    left join tiers
        on
            {{ month_start('customers.biz_date') }} = tiers.month_start_date
            and customers.customer_key = tiers.customer_key
    left join golden
        on customers.biz_date = golden.biz_date and customers.customer_key = golden.customer_key
)

select * from final
