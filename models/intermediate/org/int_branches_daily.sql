{#-
    The branch tree as of every business date, flattened: one row per (biz_date, branch_code)
    with the codes and names of the branch's ancestors at levels 1 to 5, and, for an outlet
    merged into another (status M, merged_into), the surviving branch and ITS five level codes
    (reporting_l1_code..reporting_l5_code): a merged outlet's business counts under the survivor
    from the merge date. Merge chains (A into B, later B into C) are followed up to three hops.

    org_branch is FULL, so the tree as of D is D's snapshot; a date whose org batch has not
    arrived uses the latest snapshot delivered before it (snapshot_biz_date says which).
    Incremental by biz_date: a daily run flattens T only.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

{%- set levels = [1, 2, 3, 4, 5] %}
{%- set ups = ['p1', 'p2', 'p3', 'p4'] %}

with staged as (
    select * from {{ ref('stg_org__branches') }}
    where biz_date <= {{ current_biz_date() }}
),

delivered as (
    select distinct biz_date from staged
),

business_dates as (
    select spine.date_day as biz_date
    from {{ date_spine(var('warehouse_start_date', '2000-01-01'), current_biz_date_text()) }}
        as spine
    where
        {{ biz_date_filter('spine.date_day') }}
        and spine.date_day >= (select min(delivered.biz_date) from delivered)
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
    select
        snapshots.biz_date,
        snapshots.snapshot_biz_date,
        staged.branch_code,
        staged.branch_name,
        cast(staged.branch_level as integer) as branch_level,
        staged.parent_code,
        staged.region_code,
        staged.open_date,
        staged.status,
        staged.merged_into
    from snapshots
    inner join staged on snapshots.snapshot_biz_date = staged.biz_date
),

flattened as (
    select
        b.*,
    {%- for k in levels %}
        case
            when b.branch_level = {{ k }} then b.branch_code
            {%- for p in ups %}
                when {{ p }}.branch_level = {{ k }} then {{ p }}.branch_code
            {%- endfor %}
        end as branch_l{{ k }}_code,
        case
            when b.branch_level = {{ k }} then b.branch_name
            {%- for p in ups %}
                when {{ p }}.branch_level = {{ k }} then {{ p }}.branch_name
            {%- endfor %}
        end as branch_l{{ k }}_name{{ ',' if not loop.last }}
    {%- endfor %}
    from branches as b
    left join branches as p1
        on b.biz_date = p1.biz_date and b.parent_code = p1.branch_code
    left join branches as p2
        on p1.biz_date = p2.biz_date and p1.parent_code = p2.branch_code
    left join branches as p3
        on p2.biz_date = p3.biz_date and p2.parent_code = p3.branch_code
    left join branches as p4
        on p3.biz_date = p4.biz_date and p3.parent_code = p4.branch_code
),

merge_chain as (
    select
        f.biz_date,
        f.branch_code,
        case
            when f.status != 'M' or f.merged_into is null or m1.branch_code is null
                then f.branch_code
            when m1.status != 'M' or m1.merged_into is null or m2.branch_code is null
                then m1.branch_code
            when m2.status != 'M' or m2.merged_into is null or m3.branch_code is null
                then m2.branch_code
            else m3.branch_code
        end as reporting_branch_code
    from branches as f
    left join branches as m1
        on f.biz_date = m1.biz_date and f.merged_into = m1.branch_code
    left join branches as m2
        on m1.biz_date = m2.biz_date and m1.merged_into = m2.branch_code
    left join branches as m3
        on m2.biz_date = m3.biz_date and m2.merged_into = m3.branch_code
),

final as (
    select
        flattened.*,
        merge_chain.reporting_branch_code,
        survivor.branch_level as reporting_branch_level,
        survivor.status as reporting_branch_status,
    {%- for k in levels %}
        survivor.branch_l{{ k }}_code as reporting_l{{ k }}_code{{ ',' if not loop.last }}
    {%- endfor %}
    from flattened
    inner join merge_chain
        on
            flattened.biz_date = merge_chain.biz_date
            and flattened.branch_code = merge_chain.branch_code
    inner join flattened as survivor
        on
            merge_chain.biz_date = survivor.biz_date
            and merge_chain.reporting_branch_code = survivor.branch_code
)

select * from final
