{#-
    Relationship-manager assignments resolved to customers: every row of the latest
    org_rm_assignment snapshot delivered on or before the business date (FULL: it carries the
    whole assignment history with start and end dates), with the customer_key of its source
    customer number (customer_xref) and whether it is in force on that date. One customer can
    have several (one per source number and period); int_customer_rm_daily picks the one that
    counts per date (core first, then the most recent start). Rebuilt each run (small).
-#}
with staged as (
    select * from {{ ref('stg_org__rm_assignments') }}
    where biz_date <= {{ current_biz_date() }}
),

latest as (
    select max(biz_date) as snapshot_biz_date from staged
),

final as (
    select
        {{ version_key("concat(staged.source_system, ':', staged.source_cust_no)",
            'staged.start_date') }} as assignment_key,
        staged.source_system,
        staged.source_cust_no as source_customer_no,
        xref.customer_key,
        staged.staff_id as rm_staff_id,
        staged.start_date,
        staged.end_date,
        coalesce(
            staged.start_date <= {{ current_biz_date() }}
            and staged.end_date >= {{ current_biz_date() }},
            false
        ) as is_in_force,
        latest.snapshot_biz_date
    from staged
    inner join latest on staged.biz_date = latest.snapshot_biz_date
    left join {{ ref('customer_xref') }} as xref
        on
            staged.source_system = xref.source_system
            and staged.source_cust_no = xref.source_customer_no
)

select * from final
