{#- The history of customer_xref, kept incrementally by business date: on each date T one row
    per source customer record that is new at T or whose customer_key differs from its latest
    key before T (change 'new' or 'moved'). A record's key as of any date is its latest row on
    or before it. Rerunning a date replaces that date's rows (delete+insert on biz_date); a
    backfill run date by date produces the same rows as the daily runs did. A --full-refresh
    at T rebuilds from T's resolution alone (every record 'new' at T): the moves of earlier
    dates are only known to the runs of those dates. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_incremental_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}

with xref as (
    select * from {{ ref('customer_xref') }}
),

{% if is_incremental() %}
    history as (
        select
            source_system,
            source_customer_no,
            customer_key,
            row_number() over (
                partition by source_system, source_customer_no order by biz_date desc
            ) as latest_rank
        from {{ this }}
        where biz_date < {{ identity_biz_date() }}
    ),

    previous as (
        select
            source_system,
            source_customer_no,
            customer_key
        from history
        where latest_rank = 1
    ),
{% else %}
    previous as (
        select
            cast(null as string) as source_system,
            cast(null as string) as source_customer_no,
            cast(null as string) as customer_key
        where false
    ),
{% endif %}

changes as (
    select
        {{ identity_biz_date() }} as biz_date,
        xref.source_system,
        xref.source_customer_no,
        xref.customer_key,
        previous.customer_key as previous_customer_key,
        case when previous.customer_key is null then 'new' else 'moved' end as change,
        xref.match_rule,
        xref.match_score
    from xref
    left join previous
        on
            xref.source_system = previous.source_system
            and xref.source_customer_no = previous.source_customer_no
    where previous.customer_key is null or previous.customer_key != xref.customer_key
)

select * from changes
