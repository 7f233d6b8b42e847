{#- Typed relationship-manager assignments: every delivered row of org_rm_assignment that no
    reject excludes (see base_org__rm_assignments for the typing and stg_rejects for what was
    left out). -#}
with base as (
    select * from {{ ref('base_org__rm_assignments') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
