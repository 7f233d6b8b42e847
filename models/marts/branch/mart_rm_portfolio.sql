{#-
    Relationship managers' books per business date: one row per RM (the RM in charge of each
    customer, int_customer_rm_daily via fct_customer_daily) with customers, AUM, AUM growth
    against the book on the reference date (rm_growth_lookback_days, 30, earlier or the
    first business date in the warehouse) and tier coverage: customers per tier and the share
    of the RM's customers in the top tiers. The row is scoped to the RM's branch as of the date
    (an RM who moved keeps their customers; the book moves with them). Unassigned high-value
    customers per branch are in mart_rm_unassigned_high_value. Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}
{%- set lookback = mart_param('rm_growth_lookback_days') | int %}
{%- set tiers = tier_names() %}

with first_date as (
    select min(biz_date) as first_biz_date from {{ ref('fct_customer_daily') }}
),

book_dates as (
    select distinct
        fct.biz_date,
        case
            when {{ mart_add_days('fct.biz_date', -lookback) }} > first_date.first_biz_date
                then {{ mart_add_days('fct.biz_date', -lookback) }}
            else first_date.first_biz_date
        end as reference_date
    from {{ ref('fct_customer_daily') }} as fct
    cross join first_date
    where {{ biz_date_filter('fct.biz_date') }}
),

needed_dates as (
    select biz_date from book_dates
    union
    select reference_date as biz_date from book_dates
),

customers as (
    select fct.*
    from {{ ref('fct_customer_daily') }} as fct
    inner join needed_dates on fct.biz_date = needed_dates.biz_date
    where fct.rm_staff_id is not null
),

books as (
    select
        customers.biz_date,
        customers.rm_staff_id,
        count(*) as customers,
        sum(customers.aum_cny) as aum_cny,
        sum(customers.loans_cny) as loans_cny,
        {%- for t in tiers %}
            sum(case when tiers.tier = '{{ t }}' then 1 else 0 end) as customers_{{ t }},
        {%- endfor %}
        sum(
            case
                when tiers.tier_rank >= {{ mart_param('high_value_min_tier_rank') }} then 1 else 0
            end
        )
            as high_value_customers
    from customers
    left join {{ ref('mart_customer_tier') }} as tiers
        on
            tiers.month_start_date = {{ month_start('customers.biz_date') }}
            and customers.customer_key = tiers.customer_key
    group by customers.biz_date, customers.rm_staff_id
),

staff as (
    select * from {{ ref('int_staff_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

final as (
    select
        book_dates.biz_date,
        books.rm_staff_id,
        book_dates.reference_date,
        coalesce(staff.status = 'A', false) as rm_is_active,
        books.customers,
        books.aum_cny,
        books.loans_cny,
        reference.aum_cny as aum_reference_cny,
        books.aum_cny - coalesce(reference.aum_cny, 0) as aum_growth_cny,
        case
            when reference.aum_cny > 0
                then
                    cast(
                        round(
                            (books.aum_cny - reference.aum_cny) / reference.aum_cny, 4
                        ) as decimal(9, 4)
                    )
        end as aum_growth_ratio,
        {%- for t in tiers %}
            cast(books.customers_{{ t }} as bigint) as customers_{{ t }},
        {%- endfor %}
        cast(books.high_value_customers as bigint) as high_value_customers,
        cast(round(books.high_value_customers / books.customers, 4) as decimal(9, 4))
            as high_value_share,
        staff.branch_code,
        {{ branch_code_columns('staff.') }}
    from book_dates
    inner join books on book_dates.biz_date = books.biz_date
    left join books as reference
        on
            book_dates.reference_date = reference.biz_date
            and books.rm_staff_id = reference.rm_staff_id
    left join staff
        on book_dates.biz_date = staff.biz_date and books.rm_staff_id = staff.staff_id
)

select * from final
