{#- The five reporting level codes of every branch code as of each business date, the shape every
    fact joins to: booking branch -> reporting branch (itself, or the survivor of a merge) and the
    survivor's level 1-5 codes. One extra row per date, booking_branch_code '*', maps to the head
    office: facts fall back to it for rows without a known branch (macro
    reporting_branch_columns). A view over int_branches_daily. -#}
{{ config(materialized='view') }}

with branches as (
    select * from {{ ref('int_branches_daily') }}
),

final as (
    select
        biz_date,
        branch_code as booking_branch_code,
        reporting_branch_code as branch_code,
        reporting_l1_code as branch_l1_code,
        reporting_l2_code as branch_l2_code,
        reporting_l3_code as branch_l3_code,
        reporting_l4_code as branch_l4_code,
        reporting_l5_code as branch_l5_code
    from branches
    union all
    select
        biz_date,
        '*' as booking_branch_code,
        branch_code,
        branch_code as branch_l1_code,
        cast(null as string) as branch_l2_code,
        cast(null as string) as branch_l3_code,
        cast(null as string) as branch_l4_code,
        cast(null as string) as branch_l5_code
    from branches
    where branch_level = 1 and parent_code is null
)

select * from final
