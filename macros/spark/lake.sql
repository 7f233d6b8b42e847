{#- Spark reads the lake's Parquet files directly through the same glob as DuckDB
    (raw/<system>/<table>/*/*.parquet); the partition value is taken from the _biz_date column,
    not from the biz_date=... directory names. A glob that matches no file fails on Spark (there
    is no glob() table function to test it first): every system must have delivered once. -#}
{% macro spark__lake_source(source_name, table_name) -%}
    {%- set rel = source(source_name, table_name) -%}
    {%- if not execute or rel.type == 'cte' -%}
        {{ return(rel) }}
    {%- endif -%}
    {%- set path = lake_glob(source_name, table_name) -%}
    {{ return('parquet.`' ~ path ~ '`') }}
{%- endmacro %}
