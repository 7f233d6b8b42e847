{#- Typed end-of-day core balances: every delivered row of core_balance that no reject excludes (see
    base_core__balances for the typing and stg_rejects for what was left out). -#}
with base as (
    select * from {{ ref('base_core__balances') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
