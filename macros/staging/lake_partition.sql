{#-
    How an incremental staging base model reads the lake: only the business date being built.

    staging_lake_source(source_name, table_name) is lake_source() on a first build or a
    --full-refresh (every delivered date, as a view would read), and on an incremental run the
    files of partition T alone: <lake_dir>/raw/<system>/<table>/biz_date=T/*.parquet. So a
    daily run types T's delivery once and never re-reads history; its cost follows T's volume.

    Why a whole partition is enough: the downstream build of T waits until every system has
    delivered T and every earlier date (orchestration status), each date is typed once, and a
    re-delivery of an earlier date files a rebuild request that turns the next build into a
    --full-refresh (orchestration/dbt/project.py), which re-reads the whole lake. Running T
    again replaces T (delete+insert / insert_overwrite of the biz_date partition).

    The glob must end in '/*/*.parquet' (the partition directory, then its files), as every raw
    source's meta.lake_glob does; any other layout is a compile error rather than a silent
    full read.
-#}
{% macro staging_lake_source(source_name, table_name) -%}
    {%- set rel = source(source_name, table_name) -%}
    {%- if not execute or rel.type == 'cte' or not is_incremental() -%}
        {{ return(lake_source(source_name, table_name)) }}
    {%- endif -%}
    {%- set path = lake_partition_glob(source_name, table_name, current_biz_date_text()) -%}
    {{ return(lake_partition_source(source_name, table_name, path)) }}
{%- endmacro %}

{#- The relation of one partition's files (path from lake_partition_glob). -#}
{% macro lake_partition_source(source_name, table_name, path) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('lake_partition_source', 'bank_crm')(
            source_name, table_name, path)) }}
    {%- else -%}
        {{ return(default__lake_partition_source(source_name, table_name, path)) }}
    {%- endif -%}
{%- endmacro %}

{#- Glob of one business date's files of a source table. -#}
{% macro lake_partition_glob(source_name, table_name, biz_date_text) -%}
    {%- set path = lake_glob(source_name, table_name) -%}
    {%- set tail = '/*/*.parquet' -%}
    {%- if not path.endswith(tail) -%}
        {{ exceptions.raise_compiler_error(
            "staging_lake_source: the lake glob of " ~ source_name ~ "." ~ table_name
            ~ " (" ~ path ~ ") does not end in " ~ tail ~ "; cannot select one biz_date") }}
    {%- endif -%}
    {{ return(path[:path | length - tail | length] ~ '/biz_date=' ~ biz_date_text ~ '/*.parquet') }}
{%- endmacro %}

{#- DuckDB: the partition's files, or the empty relation when T delivered none (a table
    without rows that day: the extractor writes no file). -#}
{% macro default__lake_partition_source(source_name, table_name, path) -%}
    {%- set listing = run_query("select count(*) from glob('" ~ path ~ "')") -%}
    {%- if listing.columns[0].values()[0] == 0 -%}
        {{ return(lake_empty_relation(source_name, table_name)) }}
    {%- endif -%}
    {{ return("read_parquet('" ~ path ~ "', hive_partitioning = false, union_by_name = true)") }}
{%- endmacro %}

{#- Spark: the partition's files read as Parquet, or the empty relation when T delivered none
    (Spark fails on a path that matches no file; spark_lake_file_count, macros/spark/lake.sql). -#}
{% macro spark__lake_partition_source(source_name, table_name, path) -%}
    {%- if spark_lake_file_count(path) == 0 -%}
        {{ return(spark_lake_empty_relation(source_name, table_name)) }}
    {%- endif -%}
    {{ return('parquet.`' ~ path ~ '`') }}
{%- endmacro %}
