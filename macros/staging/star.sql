{#- Every column but the named ones: `* exclude (...)` on DuckDB, `* except (...)` on Spark
    (DuckDB accepts both, but sqlfluff's duckdb dialect only parses exclude). Use as
    `select {{ star_except(['_is_excluded']) }} from ...`. -#}
{% macro star_except(columns) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('star_except', 'bank_crm')(columns) }}
    {%- else -%}
        {{ default__star_except(columns) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}
