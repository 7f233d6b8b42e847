{#- The five reporting level codes of every branch code as of each business date, the shape every
    fact joins to: booking branch -> reporting branch (itself, or the survivor of a merge) and the
    survivor's level 1-5 codes. A thin projection of int_branches_daily (a view). -#}
{{ config(materialized='view') }}

select
    biz_date,
    branch_code as booking_branch_code,
    reporting_branch_code as branch_code,
    reporting_l1_code as branch_l1_code,
    reporting_l2_code as branch_l2_code,
    reporting_l3_code as branch_l3_code,
    reporting_l4_code as branch_l4_code,
    reporting_l5_code as branch_l5_code
from {{ ref('int_branches_daily') }}
