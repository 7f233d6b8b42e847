{#- Date arithmetic the marts need, dispatched (DuckDB default__, Spark spark__). -#}
{% macro mart_add_days(date_expr, days) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('mart_add_days', 'bank_crm')(date_expr, days) }}
    {%- else -%}
        {{ default__mart_add_days(date_expr, days) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__mart_add_days(date_expr, days) -%}
    cast({{ date_expr }} + to_days(cast({{ days }} as integer)) as date)
{%- endmacro %}

{% macro spark__mart_add_days(date_expr, days) -%}
    date_add({{ date_expr }}, {{ days }})
{%- endmacro %}

{#- Months since year 0 (year * 12 + month - 1): consecutive months differ by 1, so window
    frames can count months with RANGE. Portable SQL. -#}
{% macro month_index(date_expr) -%}
    (extract(year from {{ date_expr }}) * 12 + extract(month from {{ date_expr }}) - 1)
{%- endmacro %}

{#- First day of the month of a date. -#}
{% macro month_start(date_expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('month_start', 'bank_crm')(date_expr) }}
    {%- else -%}
        {{ default__month_start(date_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__month_start(date_expr) -%}
    cast(date_trunc('month', {{ date_expr }}) as date)
{%- endmacro %}

{% macro spark__month_start(date_expr) -%}
    trunc({{ date_expr }}, 'MM')
{%- endmacro %}

{#- TRUE on the last day of the date's month (last_day exists in DuckDB and Spark). -#}
{% macro is_month_end(date_expr) -%}
    ({{ date_expr }} = last_day({{ date_expr }}))
{%- endmacro %}

{#- Comma-separated distinct values of a column within a group, sorted (deterministic). -#}
{% macro sorted_list_agg(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('sorted_list_agg', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__sorted_list_agg(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__sorted_list_agg(expr) -%}
    string_agg(distinct {{ expr }}, ',' order by {{ expr }})
{%- endmacro %}

{#- DuckDB: the same string from a list per group; string_agg(distinct ... order by) sorts and
    de-duplicates every group's values apart, about twice the CPU (the customer 360's products
    held at 1,000,000 persons: 2.4 against 1.4 CPU-s, the same rows). -#}
{% macro duckdb__sorted_list_agg(expr) -%}
    array_to_string(list_sort(list_distinct(list({{ expr }}) filter (where {{ expr }} is not null))), ',')
{%- endmacro %}

{% macro spark__sorted_list_agg(expr) -%}
    array_join(array_sort(collect_set({{ expr }})), ',')
{%- endmacro %}

{#- Days since 1970-01-01 as an integer, for RANGE window frames counted in days. -#}
{% macro day_number(date_expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('day_number', 'bank_crm')(date_expr) }}
    {%- else -%}
        {{ default__day_number(date_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__day_number(date_expr) -%}
    datediff('day', cast('1970-01-01' as date), {{ date_expr }})
{%- endmacro %}

{% macro spark__day_number(date_expr) -%}
    datediff({{ date_expr }}, cast('1970-01-01' as date))
{%- endmacro %}

{#- Predicate selecting T and the N days before it on a daily run, every date up to T on a
    first build or --full-refresh: for models that compare T with an earlier date. -#}
{% macro biz_date_filter_with_lookback(column, days) -%}
    {%- if is_incremental() -%}
        {{ column }} between {{ mart_add_days(current_biz_date(), -days) }} and {{ current_biz_date() }}
    {%- else -%}
        {{ column }} <= {{ current_biz_date() }}
    {%- endif -%}
{%- endmacro %}
