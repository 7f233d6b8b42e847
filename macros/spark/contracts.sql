{#-
    Enforced model contracts on Spark. The yml files declare column types in DuckDB's names
    (varchar, integer, timestamp, ...); dbt checks a contract by casting NULL to each declared
    type, and Spark 4 refuses a VARCHAR without a length. spark_type() maps the DuckDB names to
    Spark's so the same yml serves both engines: varchar/text -> string, timestamp (DuckDB's
    wall-clock time) -> timestamp_ntz, timestamptz -> timestamp, hugeint -> decimal(38, 0).
-#}
{% macro spark_type(data_type) -%}
    {%- set t = data_type | string | trim | lower -%}
    {%- set mapping = {
        'varchar': 'string',
        'text': 'string',
        'integer': 'int',
        'timestamp': 'timestamp_ntz',
        'timestamp without time zone': 'timestamp_ntz',
        'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp',
        'hugeint': 'decimal(38, 0)',
        'uuid': 'string',
        'blob': 'binary',
    } -%}
    {%- if t.startswith('varchar(') -%}
        {{ return('string') }}
    {%- endif -%}
    {{ return(mapping.get(t, data_type)) }}
{%- endmacro %}

{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set col_err = [] -%}
    select
    {% for i in columns %}
        {%- set col = columns[i] -%}
        {%- if col['data_type'] is not defined -%}
            {%- do col_err.append(col['name']) -%}
        {%- endif -%}
        {%- set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] -%}
        cast(null as {{ spark_type(col['data_type']) }}) as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if (col_err | length) > 0 -%}
        {{ exceptions.column_type_missing(column_names=col_err) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark adds the contract's constraints with ALTER TABLE when file_format is delta, and
    treats an unset file_format as delta; this warehouse writes plain Parquet tables (Spark's
    default source), which support no constraints. Constraints are added only for tables
    explicitly configured as delta; not_null is still checked by the models' data tests. -#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- endif -%}
{%- endmacro %}
