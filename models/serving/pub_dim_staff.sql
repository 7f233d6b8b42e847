{#- Published staff: every staff member known up to the business date in their latest
    version (those who have left too, so the marts' history never points at a missing rm_key):
    pseudonymous staff key (the rm_key of the marts), role, status and the branch they report
    to with its five codes. No names (personal data stays in staging). -#}
with versions as (
    select
        *,
        row_number() over (partition by staff_id order by valid_from desc) as version_rank
    from {{ ref('dim_staff') }}
    where valid_from <= {{ current_biz_date() }}
),

staff as (
    select * from versions
    where version_rank = 1
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
