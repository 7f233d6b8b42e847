{#-
    Post-hook of the month-end snapshot models (int_customer_month_state, mart_customer_360,
    pub_mart_customer_360): drop the dates before the current business date that are not
    month ends, so a table holds its month ends and the latest date only.

    DuckDB: a DELETE. Spark tables are plain Parquet (no Delta: no DELETE), partitioned by
    biz_date, so the superseded dates are dropped as partitions: the dates to drop are listed
    first (none on a first build, which writes only month ends and the latest date), then one
    ALTER TABLE ... DROP PARTITION removes them with their files.
-#}
{% macro drop_superseded_snapshots(relation) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('drop_superseded_snapshots', 'bank_crm')(relation) }}
    {%- else -%}
        {{ default__drop_superseded_snapshots(relation) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__drop_superseded_snapshots(relation) -%}
    delete from {{ relation }}
    where biz_date < {{ current_biz_date() }} and not {{ is_month_end('biz_date') }}
{%- endmacro %}

{% macro spark__drop_superseded_snapshots(relation) -%}
    {%- if not execute -%}
        {{ return('select 1 as no_superseded_snapshot') }}
    {%- endif -%}
    {%- set listed = run_query(
        "select distinct cast(biz_date as string) from " ~ relation
        ~ " where biz_date < " ~ current_biz_date() ~ " and not " ~ is_month_end('biz_date')
    ) -%}
    {%- set partitions = [] -%}
    {%- for day in listed.columns[0].values() -%}
        {%- do partitions.append("partition (biz_date = '" ~ day ~ "')") -%}
    {%- endfor -%}
    {%- if not partitions -%}
        {{ return('select 1 as no_superseded_snapshot') }}
    {%- endif -%}
    {{ return('alter table ' ~ relation ~ ' drop if exists ' ~ partitions | join(', ')) }}
{%- endmacro %}
