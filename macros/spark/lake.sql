{#- Spark reads the lake's Parquet files directly through the same glob as DuckDB
    (raw/<system>/<table>/*/*.parquet); the partition value is taken from the _biz_date column,
    not from the biz_date=... directory names.

    A glob that matches no file (a system not delivered yet, a quarantine without records) is
    not an error, as on DuckDB: the relation is then an empty SELECT with the source's columns
    (spark_lake_empty_relation). Spark SQL has no glob() table function and fails on a path
    that matches nothing, so spark_lake_file_count counts the matching files in an external
    binaryFile table over var('lake_dir'), default.crm_lake_files (file names only, no
    content read; a lake directory that does not exist yet lists as empty, where a query on
    a path would fail). Its listing is refreshed before every count: Spark caches a table's
    file listing for the session, and a long-lived session must see files delivered since. -#}
{% macro spark__lake_source(source_name, table_name) -%}
    {%- set rel = source(source_name, table_name) -%}
    {%- if not execute or rel.type == 'cte' -%}
        {{ return(rel) }}
    {%- endif -%}
    {%- set path = lake_glob(source_name, table_name) -%}
    {%- if spark_lake_file_count(path) == 0 -%}
        {{ return(spark_lake_empty_relation(source_name, table_name)) }}
    {%- endif -%}
    {{ return('parquet.`' ~ path ~ '`') }}
{%- endmacro %}

{#- Number of Parquet files under var('lake_dir') matching a glob of lake_glob's form
    (<lake_dir>/<relative glob>, '*' within one directory level). -#}
{% macro spark_lake_file_count(glob) -%}
    {%- set root = var('lake_dir') | string -%}
    {%- set prefix = root.rstrip('/') ~ '/' -%}
    {%- if not glob.startswith(prefix) -%}
        {{ exceptions.raise_compiler_error(
            "spark_lake_file_count: " ~ glob ~ " is not under the lake " ~ root) }}
    {%- endif -%}
    {%- set relative = glob[prefix | length:] -%}
    {%- set pattern = '/' ~ relative | replace('.', '\\.') | replace('*', '[^/]*')
        | replace('?', '[^/]') ~ '$' -%}
    {%- do run_query(
        "create table if not exists default.crm_lake_files using binaryFile"
        ~ " options (recursiveFileLookup 'true', pathGlobFilter '*.parquet')"
        ~ " location '" ~ root ~ "'"
    ) -%}
    {%- do run_query('refresh table default.crm_lake_files') -%}
    {%- set found = run_query(
        "select count(*) from default.crm_lake_files where path rlike r'" ~ pattern ~ "'"
    ) -%}
    {{ return(found.columns[0].values()[0] | int) }}
{%- endmacro %}

{#- A zero-row SELECT with the columns of a source table in Spark's types (lake_empty_relation's
    columns, translated by spark_type). -#}
{% macro spark_lake_empty_relation(source_name, table_name) -%}
    {%- set typed = raw_column_types(table_name) -%}
    {%- if typed is none -%}
        {%- set node = graph.sources.get('source.bank_crm.' ~ source_name ~ '.' ~ table_name) -%}
        {%- set typed = [] -%}
        {%- for name, col in node.columns.items() -%}
            {%- do typed.append((name, col.data_type or 'string')) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set cols = [] -%}
    {%- for name, data_type in typed -%}
        {%- do cols.append('cast(null as ' ~ spark_type(data_type) ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {{ return('(select ' ~ cols | join(', ') ~ ' where false)') }}
{%- endmacro %}
