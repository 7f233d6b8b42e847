{#- Typed, standardised card holders (persons): every delivered row of card_holder that no
    reject excludes (see base_card__holders for the typing and stg_rejects for what was left
    out). -#}
with base as (
    select * from {{ ref('base_card__holders') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
