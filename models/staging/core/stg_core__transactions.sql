{#- Typed core transactions: every delivered row of core_txn that no reject excludes (see
    base_core__transactions for the typing and stg_rejects for what was left out). -#}
with base as (
    select * from {{ ref('base_core__transactions') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
