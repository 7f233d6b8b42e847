{#- Published branch dimension: the versions in force on the business date, with the branch's
    own ancestor codes as the five scoping columns (a branch's file holds itself and its
    subtree; its ancestors' files hold it). The publisher decides from these rows which
    branches get a file (levels 2 to 5, status A). Branch data is not personal. -#}
with branches as (
    select * from {{ ref('dim_branch') }}
    where
        valid_from <= {{ current_biz_date() }}
        and valid_to >= {{ current_biz_date() }}
)

select
    branches.branch_code,
    branches.branch_name,
    branches.branch_level,
    branches.parent_code,
    branches.region_code,
    branches.open_date,
    branches.status,
    branches.merged_into,
    branches.reporting_branch_code,
    branches.valid_from,
    branches.valid_to,
    branches.branch_l1_code,
    branches.branch_l2_code,
    branches.branch_l3_code,
    branches.branch_l4_code,
    branches.branch_l5_code
from branches
