{#-
    The business date a run builds, and how daily models select their dates.

    current_biz_date(): the dbt var `biz_date` ('YYYY-MM-DD') that the orchestrator passes on
    every daily run; for an ad-hoc run without it, the latest business date the extractor has
    loaded (max biz_date of the lake's control/reconciliation files). Returned as a SQL date
    literal.

    biz_date_filter(column): the dates a daily (incremental by biz_date) model processes: only T
    on an incremental run (CRM_BIZ_DATE_FROM to T in a backfill's range run, see
    biz_date_from_text), every date up to T on a first build or a --full-refresh. The same
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
    {#- A range run (CRM_BIZ_DATE_FROM, see biz_date_from_text) builds a range of dates
        incrementally in tagged models only; others only under --full-refresh (every date). -#}
    {%- set first = env_var('CRM_BIZ_DATE_FROM', '') -%}
    {%- if first and model is defined and model.resource_type == 'model'
        and 'date_range' not in model.tags and not flags.FULL_REFRESH -%}
        {%- do exceptions.raise_compiler_error(
            model.name ~ ": CRM_BIZ_DATE_FROM=" ~ first ~ " (a range of dates) is only for "
            ~ "models tagged 'date_range', whose rows of a date depend on that date's inputs "
            ~ "alone; build this one with --full-refresh, or one date at a time") -%}
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

{#-
    A range of dates in one incremental run, for a backfill (orchestration.dbt.project
    backfill_invocations): CRM_BIZ_DATE_FROM is the first date, CRM_BIZ_DATE the last. Built
    over a whole month at once, the largest facts outgrow the warehouse's memory limit and
    spill; a few dates at a time they do not. Only a model whose rows of a date depend on
    nothing but its inputs of that date may be built so: it says so with the tag 'date_range',
    and any other model run incrementally with CRM_BIZ_DATE_FROM set fails to compile instead
    of silently leaving the range's earlier dates unbuilt (under --full-refresh it builds
    every date anyway). Without it (every nightly run) a run builds T.
-#}
{% macro biz_date_from_text() -%}
    {%- set first = env_var('CRM_BIZ_DATE_FROM', '') if execute else '' -%}
    {%- if first and first > current_biz_date_text() -%}
        {%- do exceptions.raise_compiler_error(
            "CRM_BIZ_DATE_FROM=" ~ first ~ " is after the business date "
            ~ current_biz_date_text()) -%}
    {%- endif -%}
    {{ return(first) }}
{%- endmacro %}

{#- dbt's should_full_refresh (global project), overridden: in a range run a model tagged
    date_range builds its range incrementally even under --full-refresh, so the backfill's
    last run can be one build of everything (each model one materialisation, as Dagster
    records it) while the facts' earlier dates, built range by range before it, stay. -#}
{% macro should_full_refresh() -%}
    {%- if model is defined and 'date_range' in model.tags
        and env_var('CRM_BIZ_DATE_FROM', '') -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set config_full_refresh = config.get('full_refresh') -%}
    {%- if config_full_refresh is none -%}
        {%- set config_full_refresh = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- do return(config_full_refresh) -%}
{%- endmacro %}

{#- First date an incremental run builds (SQL date): CRM_BIZ_DATE_FROM, else T. -#}
{% macro biz_date_first() -%}
    {%- set first = biz_date_from_text() -%}
    {%- if first -%}
        cast('{{ first }}' as date)
    {%- else -%}
        {{ current_biz_date() }}
    {%- endif -%}
{%- endmacro %}

{% macro biz_date_filter(column) -%}
    {%- if is_incremental() and biz_date_from_text() -%}
        {{ column }} >= {{ biz_date_first() }} and {{ column }} <= {{ current_biz_date() }}
    {%- elif is_incremental() -%}
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

{#- The same for a model whose query yields only the run's dates in its unique_key (through
    biz_date_filter, or a staging model's lake partition of T) and never reads its own table:
    on DuckDB the run deletes the run's dates and inserts the query's rows directly, without
    the temporary copy of delete+insert (the project's incremental materialization,
    macros/materializations/incremental.sql); elsewhere biz_date_incremental_strategy. -#}
{% macro biz_date_replace_strategy() -%}
    {%- if adapter is defined and adapter.type() == 'duckdb' -%}
        {{ return('replace_biz_dates') }}
    {%- else -%}
        {{ return(biz_date_incremental_strategy()) }}
    {%- endif -%}
{%- endmacro %}

{#- The statements of replace_biz_dates: delete the run's dates, insert the rows of `rows`
    (the model's query as a temporary view), refusing any row outside those dates. -#}
{% macro replace_biz_dates_sql(target, rows, unique_key, dest_columns) -%}
    {%- if unique_key is not string -%}
        {%- do exceptions.raise_compiler_error(
            model.name ~ ": replace_biz_dates needs one date column as unique_key, not "
            ~ unique_key) -%}
    {%- endif -%}
    {%- set columns = get_quoted_csv(dest_columns | map(attribute='name')) -%}
    {%- set in_window -%}
        {{ unique_key }} >= {{ biz_date_first() }} and {{ unique_key }} <= {{ current_biz_date() }}
    {%- endset -%}
    delete from {{ target }} where {{ in_window }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ rows }}
    where
        case
            when {{ in_window }} then true
            else error(
                '{{ model.name }}: a row of {{ unique_key }} '
                || coalesce(cast({{ unique_key }} as varchar), 'null')
                || ' is outside the run''s dates {{ biz_date_from_text() or current_biz_date_text() }}'
                || '..{{ current_biz_date_text() }}'
            )
        end;
{%- endmacro %}
