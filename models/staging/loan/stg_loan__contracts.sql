{#- Typed loan contracts: every delivered row of loan_contract that no reject excludes (see
    base_loan__contracts for the typing and stg_rejects for what was left out). -#}
with base as (
    select * from {{ ref('base_loan__contracts') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
