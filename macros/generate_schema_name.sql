{#
    Use the configured schema name as is (staging, intermediate, core, branch, serving, ...)
    instead of dbt's default "<target schema>_<custom schema>", so the warehouse has stable,
    readable schema names that the publish step and BI tools can rely on.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
