{#- Seeds on Spark: dbt-spark's spark__create_csv_table with the seed yml's column_types (DuckDB
    type names, e.g. varchar) translated by spark_type (macros/spark/contracts.sql), since Spark
    4 refuses a VARCHAR without a length. -#}
{% macro spark__create_csv_table(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set columns = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
        {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
        {%- do columns.append(
            adapter.quote_seed_column(col_name | string, quote_seed_column) ~ ' ' ~ type
        ) -%}
    {%- endfor -%}
    {%- set sql -%}
        create table {{ this.render() }} ({{ columns | join(', ') }})
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        {{ clustered_cols(label="clustered by") }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(sql) }}
{%- endmacro %}

{#- dbt-spark's spark__load_csv_rows, with the same type translation for the casts. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
        {%- do types.append(spark_type(column_override.get(col_name, inferred_type))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {#- An empty cell is a SQL null here, not a binding: session mode would bind
            Python's None as the string 'None'. -#}
        {%- set bindings = [] -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set casts = [] -%}
            {%- for value in row -%}
                {%- if value is none -%}
                    {%- do casts.append('cast(null as ' ~ types[loop.index0] ~ ')') -%}
                {%- else -%}
                    {%- do bindings.append(value) -%}
                    {%- do casts.append(
                        'cast(' ~ get_binding_char() ~ ' as ' ~ types[loop.index0] ~ ')'
                    ) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do rows.append('(' ~ casts | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ rows | join(', ') -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}
