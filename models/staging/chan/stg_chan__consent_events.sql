{#- Typed consent events: every delivered row of chan_consent that no reject excludes (see
    base_chan__consent_events for the typing and stg_rejects for what was left out). -#}
with base as (
    select * from {{ ref('base_chan__consent_events') }}
),

renamed as (
    select {{ star_except(['_is_excluded']) }}
    from base
    where not _is_excluded
)

select * from renamed
