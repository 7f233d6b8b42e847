{#- The versions of core_account (DELTA, key acct_no) delivered on each business date, typed
    once and stored: the last version of each key per delivery date (by upd_ts, then physical
    line). Facts read "current as of D" from here through delta_versions instead of re-typing
    every delivered file each day. Incremental by biz_date (a daily run appends T's deltas). -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with delivered as (
    select * from {{ ref('stg_core__accounts') }}
    where {{ biz_date_filter('biz_date') }}
),

ranked as (
    select
        biz_date,
        acct_no,
        cust_no,
        product_code,
        currency,
        open_date,
        close_date,
        branch_code,
        status,
        upd_ts,
        _line_no,
        row_number() over (
            partition by acct_no, biz_date
            order by upd_ts desc, _line_no desc
        ) as version_rank
    from delivered
),

final as (
    select
        biz_date,
        acct_no,
        cust_no,
        product_code,
        currency,
        open_date,
        close_date,
        branch_code,
        status,
        upd_ts,
        _line_no
    from ranked
    where version_rank = 1
)

select * from final
