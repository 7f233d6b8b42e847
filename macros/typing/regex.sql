{#-
    Regular-expression tests that read the same on every engine (models call these instead of
    an engine's function). DuckDB: regexp_full_match (the whole value, RE2) and regexp_matches
    (anywhere). Spark forms: macros/spark/regex.sql.
-#}
{% macro regex_full_match(expr, pattern) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('regex_full_match', 'bank_crm')(expr, pattern) }}
    {%- else -%}
        {{ default__regex_full_match(expr, pattern) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro regex_contains(expr, pattern) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('regex_contains', 'bank_crm')(expr, pattern) }}
    {%- else -%}
        {{ default__regex_contains(expr, pattern) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__regex_contains(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}
