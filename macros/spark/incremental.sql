{#-
    delete+insert for dbt-spark on plain Parquet tables (no Delta here: no MERGE, no DELETE).

    dbt-spark accepts merge only for Delta/Iceberg/Hudi tables. A history table keyed by
    (key, valid_from) rewrites the rows whose valid_to changed (history_incremental_strategy):
    delete+insert on DuckDB, and on Spark this: the table's rows whose unique key is not among
    the new rows, plus the new rows, are written to a work table, which then overwrites the
    table whole, and is dropped. The work table is a real table, not a view: Spark refuses to
    overwrite a table from a query that reads it (the model's SQL reads {{ this }}). Cost: one
    rewrite of the table per run, acceptable for a customer-grain history.

    These override dbt-spark's non-dispatched macros of the same names (the root project's
    macros take precedence, and dbt-spark's cannot be called by name from here): the other
    strategies are dbt-spark 1.11's, copied; re-check them when dbt-spark is upgraded.
-#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) -%}
    {%- set known = ['append', 'merge', 'insert_overwrite', 'microbatch', 'delete+insert'] -%}
    {%- set problem = none -%}
    {%- if raw_strategy not in known -%}
        {%- set problem = 'expected one of ' ~ known | join(', ') -%}
    {%- elif raw_strategy == 'merge' and file_format not in ['delta', 'iceberg', 'hudi'] -%}
        {%- set problem = "merge needs file_format 'delta', 'iceberg' or 'hudi'" -%}
    {%- elif raw_strategy in ['insert_overwrite', 'microbatch'] and target.endpoint -%}
        {%- set problem = 'not available when connecting via endpoint' -%}
    {%- elif raw_strategy == 'microbatch' and not config.get('partition_by') -%}
        {%- set problem = 'microbatch needs a partition_by config' -%}
    {%- endif -%}
    {%- if problem is not none -%}
        {%- do exceptions.raise_compiler_error(
            'Invalid incremental strategy provided: ' ~ raw_strategy ~ ': ' ~ problem) -%}
    {%- endif -%}
    {{ return(raw_strategy) }}
{%- endmacro %}

{#- The strategy is already validated (above); microbatch needs partition_by as in dbt-spark. -#}
{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, key, predicates) -%}
    {%- if strategy == 'delete+insert' -%}
        {{ return(spark_delete_insert_sql(source, target, key)) }}
    {%- elif strategy == 'append' -%}
        {{ return(get_insert_into_sql(source, target)) }}
    {%- elif strategy == 'merge' -%}
        {{ return(get_merge_sql(target, source, key, none, predicates)) }}
    {%- endif -%}
    {{ return(get_insert_overwrite_sql(source, target, existing)) }}
{%- endmacro %}

{#- Runs the rewrite and returns the last statement (dropping the work table) for dbt's
    'main' statement. -#}
{% macro spark_delete_insert_sql(source, target, unique_key) -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set work = target.incorporate(path={'identifier': target.identifier ~ '__dbt_rewrite'}) -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted')
        | join(', ') -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}
        {%- do matches.append('new_rows.' ~ key ~ ' = kept.' ~ key) -%}
    {%- endfor -%}
    {%- do run_query('drop table if exists ' ~ work) -%}
    {%- do run_query(
        'create table ' ~ work ~ ' using parquet as'
        ~ ' select ' ~ columns ~ ' from ' ~ target ~ ' as kept where not exists ('
        ~ 'select 1 from ' ~ source ~ ' as new_rows where ' ~ matches | join(' and ') ~ ')'
        ~ ' union all select ' ~ columns ~ ' from ' ~ source
    ) -%}
    {%- do run_query('set spark.sql.sources.partitionOverwriteMode = STATIC') -%}
    {%- do run_query(
        'insert overwrite table ' ~ target ~ ' select ' ~ columns ~ ' from ' ~ work
    ) -%}
    {{ return('drop table if exists ' ~ work) }}
{%- endmacro %}
