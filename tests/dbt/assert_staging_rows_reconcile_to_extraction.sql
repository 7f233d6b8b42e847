{#-
    Nothing is lost between the lake and staging: for every table and business date the
    extractor reconciled, its raw rows = rows of the stg_ model + records stg_rejects excluded.
    Returns the tables and dates where that does not hold. The nightly run of T checks T only
    (staging_test_date_filter), any other run every date.
-#}
{%- set models = [
    ('core_customer', 'stg_core__customers'),
    ('core_account', 'stg_core__accounts'),
    ('core_balance', 'stg_core__balances'),
    ('core_txn', 'stg_core__transactions'),
    ('core_fx_rate', 'stg_core__fx_rates'),
    ('card_holder', 'stg_card__holders'),
    ('card_account', 'stg_card__accounts'),
    ('card_txn', 'stg_card__transactions'),
    ('card_statement', 'stg_card__statements'),
    ('loan_customer', 'stg_loan__customers'),
    ('loan_contract', 'stg_loan__contracts'),
    ('loan_balance', 'stg_loan__balances'),
    ('org_branch', 'stg_org__branches'),
    ('org_staff', 'stg_org__staff'),
    ('org_rm_assignment', 'stg_org__rm_assignments'),
    ('chan_consent', 'stg_chan__consent_events')
] -%}

with control as (
    select
        rec.table_name,
        rec.biz_date,
        rec.raw_rows
    from {{ lake_source('lake_control', 'reconciliation') }} as rec
    where {{ staging_test_date_filter('rec.biz_date') }}
),

staged as (
    {%- for table, model in models %}
        select
            '{{ table }}' as table_name,
            stg.biz_date,
            count(*) as staged_rows
        from {{ ref(model) }} as stg
        where {{ staging_test_date_filter('stg.biz_date') }}
        group by stg.biz_date
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

excluded as (
    select
        rej.table_name,
        rej.biz_date,
        count(distinct rej.source_file || ':' || rej.line_no) as excluded_rows
    from {{ ref('stg_rejects') }} as rej
    where rej.excludes_record and {{ staging_test_date_filter('rej.biz_date') }}
    group by rej.table_name, rej.biz_date
),

compared as (
    select
        control.table_name,
        control.biz_date,
        control.raw_rows,
        coalesce(staged.staged_rows, 0) as staged_rows,
        coalesce(excluded.excluded_rows, 0) as excluded_rows
    from control
    left join staged
        on control.table_name = staged.table_name and control.biz_date = staged.biz_date
    left join excluded
        on control.table_name = excluded.table_name and control.biz_date = excluded.biz_date
)

select * from compared
where raw_rows != staged_rows + excluded_rows
