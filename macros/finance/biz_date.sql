{#-
    The business date a run builds, and how daily models select their dates.

    current_biz_date(): the dbt var `biz_date` ('YYYY-MM-DD') that the orchestrator passes on
    every daily run; for an ad-hoc run without it, the latest business date the extractor has
    loaded (max biz_date of the lake's control/reconciliation files). Returned as a SQL date
    literal.

    biz_date_filter(column): the dates a daily (incremental by biz_date) model processes: only T
    on an incremental run, every date up to T on a first build or a --full-refresh. The same
    SQL then yields the same rows either way, which is what makes a rebuild equal the daily runs.
-#}
{% macro current_biz_date_text() -%}
    {#- Parsing needs no date. Read nothing then, so the date never becomes part of what dbt's
        partial parsing tracks: the orchestrator passes it in CRM_BIZ_DATE, read only at
        execution, and a new date each day does not make dbt re-parse the whole project (a
        changed --vars does). -#}
    {%- if not execute -%}
        {{ return('9999-12-31') }}
    {%- endif -%}
    {%- set explicit = var('biz_date', none) or env_var('CRM_BIZ_DATE', '') -%}
    {%- if explicit -%}
        {{ return(explicit | string) }}
    {%- endif -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('latest_lake_biz_date', 'bank_crm')()) }}
    {%- else -%}
        {{ return(default__latest_lake_biz_date()) }}
    {%- endif -%}
{%- endmacro %}

{% macro current_biz_date() -%}
    cast('{{ current_biz_date_text() }}' as date)
{%- endmacro %}

{% macro default__latest_lake_biz_date() -%}
    {%- set glob = var('lake_dir') ~ '/control/reconciliation/*/*/*.parquet' -%}
    {%- set listing = run_query("select count(*) from glob('" ~ glob ~ "')") -%}
    {%- set found = listing.columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ exceptions.raise_compiler_error(
            "no var biz_date given and no extracted batch under " ~ glob) }}
    {%- endif -%}
    {%- set latest = run_query(
        "select cast(max(biz_date) as varchar) from read_parquet('" ~ glob ~ "')"
    ).columns[0].values()[0] -%}
    {{ return(latest) }}
{%- endmacro %}

{% macro spark__latest_lake_biz_date() -%}
    {%- set path = var('lake_dir') ~ '/control/reconciliation' -%}
    {%- set latest = run_query(
        "select cast(max(biz_date) as string) from parquet.`" ~ path ~ "`"
    ).columns[0].values()[0] -%}
    {{ return(latest) }}
{%- endmacro %}

{% macro biz_date_filter(column) -%}
    {%- if is_incremental() -%}
        {{ column }} = {{ current_biz_date() }}
    {%- else -%}
        {{ column }} <= {{ current_biz_date() }}
    {%- endif -%}
{%- endmacro %}

{#- Incremental strategy that replaces whole business dates: delete+insert on biz_date on
    DuckDB, insert_overwrite of the biz_date partition on Spark. -#}
{% macro biz_date_incremental_strategy() -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('biz_date_incremental_strategy', 'bank_crm')()) }}
    {%- else -%}
        {{ return(default__biz_date_incremental_strategy()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__biz_date_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__biz_date_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
