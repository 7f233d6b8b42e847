{#-
    Staff as of every business date (org_staff is FULL: a date's snapshot is the staff list as
    of that date; a date whose org batch is missing uses the latest earlier snapshot), with the
    branch each works at and that branch's reporting level codes (a merged outlet's staff count
    under the survivor). Names stay in staging (personal data). Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with staged as (
    select * from {{ ref('stg_org__staff') }}
    where biz_date <= {{ current_biz_date() }}
),

business_dates as (
    select
        biz_date,
        snapshot_biz_date
    from {{ ref('int_branches_daily') }}
    where {{ biz_date_filter('biz_date') }}
    group by biz_date, snapshot_biz_date
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

branches as (
    select * from {{ ref('int_branch_codes_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

final as (
    select
        snapshots.biz_date,
        staged.staff_id,
        staged.role,
        staged.status,
        staged.hire_date,
        staged.branch_code as booking_branch_code,
        branches.branch_code,
        branches.branch_l1_code,
        branches.branch_l2_code,
        branches.branch_l3_code,
        branches.branch_l4_code,
        branches.branch_l5_code
    from snapshots
    inner join staged on snapshots.snapshot_biz_date = staged.biz_date
    left join branches
        on
            snapshots.biz_date = branches.biz_date
            and staged.branch_code = branches.booking_branch_code
)

select * from final
