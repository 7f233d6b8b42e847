{#-
    The relationship manager of each customer as of every business date. org_rm_assignment is
    FULL (a date's snapshot holds every assignment with start and end dates; a missing date
    uses the latest earlier snapshot); an assignment is in force on D when
    start_date <= D <= end_date. Assignments are per source customer number and are resolved
    to customer_key through customer_xref. A customer with several numbers can have several
    assignments in force; the rule picks one:
      1. core before loan before card (the core relationship is the primary one),
      2. then the most recent start_date,
      3. then the lowest staff_id (deterministic tie-break).
    active_assignments / distinct_rms say how many there were. The RM's branch as of D (a moved
    RM keeps their customers) comes from int_staff_daily. Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with staged as (
    select * from {{ ref('stg_org__rm_assignments') }}
    where biz_date <= {{ current_biz_date() }}
),

business_dates as (
    select distinct biz_date from {{ ref('int_branches_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

delivered as (
    select distinct biz_date from staged
),

snapshots as (
    select
        business_dates.biz_date,
        max(delivered.biz_date) as snapshot_biz_date
    from business_dates
    inner join delivered on business_dates.biz_date >= delivered.biz_date
    group by business_dates.biz_date
),

in_force as (
    select
        snapshots.biz_date,
        staged.source_system,
        staged.source_cust_no,
        staged.staff_id,
        staged.start_date,
        staged.end_date
    from snapshots
    inner join staged on snapshots.snapshot_biz_date = staged.biz_date
    where
        staged.start_date <= snapshots.biz_date
        and coalesce(staged.end_date, cast('9999-12-31' as date)) >= snapshots.biz_date
        and staged.staff_id is not null
),

resolved as (
    select
        in_force.*,
        xref.customer_key,
        row_number() over (
            partition by in_force.biz_date, xref.customer_key
            order by
                case in_force.source_system when 'core' then 1 when 'loan' then 2 else 3 end,
                in_force.start_date desc,
                in_force.staff_id asc
        ) as preference,
        count(*) over (
            partition by in_force.biz_date, xref.customer_key
        ) as active_assignments
    from in_force
    inner join {{ ref('customer_xref') }} as xref
        on
            in_force.source_system = xref.source_system
            and in_force.source_cust_no = xref.source_customer_no
),

distinct_rms as (
    select
        biz_date,
        customer_key,
        count(distinct staff_id) as distinct_rms
    from resolved
    group by biz_date, customer_key
),

staff as (
    select * from {{ ref('int_staff_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

final as (
    select
        resolved.biz_date,
        resolved.customer_key,
        resolved.staff_id as rm_staff_id,
        resolved.source_system as rm_source_system,
        resolved.source_cust_no as rm_source_customer_no,
        resolved.start_date as rm_start_date,
        resolved.end_date as rm_end_date,
        resolved.active_assignments,
        distinct_rms.distinct_rms,
        coalesce(staff.status = 'A', false) as rm_is_active,
        staff.branch_code as rm_branch_code,
        staff.branch_l1_code as rm_branch_l1_code,
        staff.branch_l2_code as rm_branch_l2_code,
        staff.branch_l3_code as rm_branch_l3_code,
        staff.branch_l4_code as rm_branch_l4_code,
        staff.branch_l5_code as rm_branch_l5_code
    from resolved
    inner join distinct_rms
        on
            resolved.biz_date = distinct_rms.biz_date
            and resolved.customer_key = distinct_rms.customer_key
    left join staff
        on resolved.biz_date = staff.biz_date and resolved.staff_id = staff.staff_id
    where resolved.preference = 1
)

select * from final
