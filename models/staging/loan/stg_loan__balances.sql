{#- Typed loan balances: every delivered row of loan_balance that no reject excludes (see
    base_loan__balances for the typing and stg_rejects for what was left out). -#}
with base as (
    select * from {{ ref('base_loan__balances') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
