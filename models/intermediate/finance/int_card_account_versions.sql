{#- The versions of card_account (DELTA, key card_no) delivered on each business date, typed
    once and stored: the last version of each key per delivery date (by upd_ts, then physical
    line). Facts read "current as of D" from here through delta_versions instead of re-typing
    every delivered file each day. Card numbers are personal data: the key is card_key (macro
    card_key), the number itself stays in staging. Incremental by biz_date. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with delivered as (
    select * from {{ ref('stg_card__accounts') }}
    where {{ biz_date_filter('biz_date') }}
),

ranked as (
    select
        biz_date,
        {{ card_key('card_no') }} as card_key,
        holder_id,
        card_kind,
        linked_acct_no,
        credit_limit_fen,
        credit_limit,
        open_date,
        status,
        issue_branch,
        upd_ts,
        _line_no,
        row_number() over (
            partition by {{ card_key('card_no') }}, biz_date
            order by upd_ts desc, _line_no desc
        ) as version_rank
    from delivered
),

final as (
    select
        biz_date,
        card_key,
        holder_id,
        card_kind,
        linked_acct_no,
        credit_limit_fen,
        credit_limit,
        open_date,
        status,
        issue_branch,
        upd_ts,
        _line_no
    from ranked
    where version_rank = 1
)

select * from final
