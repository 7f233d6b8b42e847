{#-
    Spark forms of macros/typing/regex.sql. Spark's rlike searches (Java regex), so a full match
    anchors explicitly; \z rather than $ so a trailing newline does not match, as on DuckDB.
    Raw literals r'...' keep backslashes exactly as in the DuckDB pattern text.
-#}
{% macro spark__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike r'^(?:{{ pattern }})\z')
{%- endmacro %}

{% macro spark__regex_contains(expr, pattern) -%}
    ({{ expr }} rlike r'{{ pattern }}')
{%- endmacro %}
