{#- The day's rate to CNY per currency (core_fx_rate, FULL daily), CNY included at 1. Facts
    convert with the rate of their own business date. Incremental by biz_date. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    tags=['date_range'],
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with rates as (
    select * from {{ ref('stg_core__fx_rates') }}
    where {{ biz_date_filter('biz_date') }}
),

final as (
    select
        biz_date,
        currency,
        rate_to_cny
    from rates
)

select * from final
