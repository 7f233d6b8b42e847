{#-
    How staging reads the Parquet lake. Staging models call lake_source('core', 'core_customer')
    instead of source() directly: it still calls source() (lineage, and dbt unit tests replace
    that call with their fixture), then reads the files the extractor wrote.

    Layout (contracts.md): <lake_dir>/raw/<system>/<table>/biz_date=YYYY-MM-DD/part-N.parquet,
    quarantine and control likewise. The glob is the table's `meta.lake_glob` relative to
    var('lake_dir') when the source declares one, else raw/<source>/<table>/*/*.parquet.

    A glob that matches no file (a system not delivered yet, a quarantine without records) is
    not an error: the relation is then an empty SELECT with the source's declared columns and
    types, so a first run before every system has delivered still builds. Views are rebuilt by
    every `dbt build`, so files that arrive later are seen by the next build.

    DuckDB: read_parquet(glob, hive_partitioning = false, union_by_name = true); the partition
    value is in the _biz_date column, so paths need not be parsed. Spark: parquet.`<dir>`.
-#}
{% macro lake_source(source_name, table_name) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('lake_source', 'bank_crm')(source_name, table_name)) }}
    {%- else -%}
        {{ return(default__lake_source(source_name, table_name)) }}
    {%- endif -%}
{%- endmacro %}

{#- Glob of a source table's files, absolute (var('lake_dir') + meta.lake_glob or the default). -#}
{% macro lake_glob(source_name, table_name) -%}
    {%- set node = graph.sources.get('source.bank_crm.' ~ source_name ~ '.' ~ table_name) or {} -%}
    {%- set meta = {} -%}
    {%- do meta.update(node.get('source_meta') or {}) -%}
    {%- do meta.update(node.get('meta') or {}) -%}
    {%- do meta.update((node.get('config') or {}).get('meta') or {}) -%}
    {%- set rel = meta.get('lake_glob') or 'raw/' ~ source_name ~ '/{name}/*/*.parquet' -%}
    {{ return(var('lake_dir') ~ '/' ~ rel | replace('{name}', table_name)) }}
{%- endmacro %}

{#- A zero-row SELECT with the columns and types of a source table: the raw lake's
    (raw_column_types) for a raw table, else the source's declared columns (name, data_type). -#}
{% macro lake_empty_relation(source_name, table_name) -%}
    {%- set typed = raw_column_types(table_name) -%}
    {%- if typed is none -%}
        {%- set node = graph.sources.get('source.bank_crm.' ~ source_name ~ '.' ~ table_name) -%}
        {%- set typed = [] -%}
        {%- for name, col in node.columns.items() -%}
            {%- do typed.append((name, col.data_type or 'varchar')) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set cols = [] -%}
    {%- for name, data_type in typed -%}
        {%- do cols.append('cast(null as ' ~ data_type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {{ return('(select ' ~ cols | join(', ') ~ ' where false)') }}
{%- endmacro %}

{% macro default__lake_source(source_name, table_name) -%}
    {%- set rel = source(source_name, table_name) -%}
    {%- if not execute or rel.type == 'cte' -%}
        {{ return(rel) }}
    {%- endif -%}
    {%- set path = lake_glob(source_name, table_name) -%}
    {%- set listing = run_query("select count(*) from glob('" ~ path ~ "')") -%}
    {%- set found = listing.columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ return(lake_empty_relation(source_name, table_name)) }}
    {%- endif -%}
    {{ return("read_parquet('" ~ path ~ "', hive_partitioning = false, union_by_name = true)") }}
{%- endmacro %}
