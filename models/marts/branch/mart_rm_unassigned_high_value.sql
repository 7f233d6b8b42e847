{#-
    Per branch and business date, the high-value customers no relationship manager looks
    after: tier at least high_value_min_tier_rank (3 = affluent) in the month, and no RM in
    force, or an RM who has left the bank. Scoped to the customer's primary branch. These are
    the customers a branch manager should assign first. Incremental by biz_date.
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

rms as (
    select * from {{ ref('int_customer_rm_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

final as (
    select
        customers.biz_date,
        customers.customer_key,
        tiers.tier,
        customers.aum_cny,
        customers.rm_staff_id as former_rm_staff_id,
        case when customers.rm_staff_id is null then 'no_rm' else 'rm_left' end as reason,
        customers.branch_code,
        {{ branch_code_columns('customers.') }}
    from customers
    inner join {{ ref('mart_customer_tier') }} as tiers
        on
            tiers.month_start_date = {{ month_start('customers.biz_date') }}
            and customers.customer_key = tiers.customer_key
    left join rms
        on customers.biz_date = rms.biz_date and customers.customer_key = rms.customer_key
    where
        tiers.tier_rank >= {{ mart_param('high_value_min_tier_rank') }}
        and (customers.rm_staff_id is null or not coalesce(rms.rm_is_active, false))
)

select * from final
