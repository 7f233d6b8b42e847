{#- Published staff as of the business date: pseudonymous staff key (the rm_key of the marts),
    role, status and the branch they report to with its five codes. No names (personal data
    stays in staging). -#}
with staff as (
    select * from {{ ref('dim_staff') }}
    where
        valid_from <= {{ current_biz_date() }}
        and valid_to >= {{ current_biz_date() }}
)

select
    {{ pseudonymize('staff.staff_id') }} as staff_key,
    staff.role,
    staff.is_relationship_manager,
    staff.status,
    staff.hire_date,
    staff.branch_code,
    staff.branch_l1_code,
    staff.branch_l2_code,
    staff.branch_l3_code,
    staff.branch_l4_code,
    staff.branch_l5_code
from staff
