{#-
    Portable helpers for model authors, for constructs whose spelling differs between DuckDB
    (the default form, unchanged SQL) and Spark. Call these instead of the engine's syntax.
-#}

{#- count(distinct x) over (partition by ...): Spark has no distinct window aggregates, so it
    counts the window's set of values (collect_set ignores NULLs, like count distinct). -#}
{% macro count_distinct_over(expr, partition_by) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('count_distinct_over', 'bank_crm')(expr, partition_by) }}
    {%- else -%}
        {{ default__count_distinct_over(expr, partition_by) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__count_distinct_over(expr, partition_by) -%}
    count(distinct {{ expr }}) over (partition by {{ partition_by }})
{%- endmacro %}

{% macro spark__count_distinct_over(expr, partition_by) -%}
    size(collect_set({{ expr }}) over (partition by {{ partition_by }}))
{%- endmacro %}

{#- ISO day of the week, 1 = Monday .. 7 = Sunday, as a bigint on both engines. -#}
{% macro iso_day_of_week(date_expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('iso_day_of_week', 'bank_crm')(date_expr) }}
    {%- else -%}
        {{ default__iso_day_of_week(date_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expr) -%}
    cast(extract(dow_iso from {{ date_expr }}) as bigint)
{%- endmacro %}
