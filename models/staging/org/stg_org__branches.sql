{#- Typed branches: every delivered row of org_branch that no reject excludes (see
    base_org__branches for the typing and stg_rejects for what was left out). -#}
with base as (
    select * from {{ ref('base_org__branches') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
