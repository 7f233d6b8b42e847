{#- Typed staff: every delivered row of org_staff that no reject excludes (see
    base_org__staff for the typing and stg_rejects for what was left out). -#}
with base as (
    select * from {{ ref('base_org__staff') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
