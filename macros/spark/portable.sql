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

{#- round(x, digits) of a DOUBLE exactly as DuckDB rounds it: round(x * 10^digits) / 10^digits,
    half away from zero on the scaled double. Spark's round(double, d) rounds the double's exact
    binary value instead, so 12345.675 (stored as 12345.67499...) gives .67 there and .68 on
    DuckDB; money averages and spreads hit such halves often. Callers pass a DOUBLE expression
    (cast a decimal numerator to double before dividing: that is what DuckDB's decimal division
    does), so both engines compute the same double and round it the same way. -#}
{% macro round_double(expr, digits) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('round_double', 'bank_crm')(expr, digits) }}
    {%- else -%}
        {{ default__round_double(expr, digits) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__round_double(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{% macro spark__round_double(expr, digits) -%}
    (round(({{ expr }}) * {{ 10 ** digits }}D, 0) / {{ 10 ** digits }}D)
{%- endmacro %}
