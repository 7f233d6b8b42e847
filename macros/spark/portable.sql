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

{#- round(x, digits) of a DOUBLE exactly as DuckDB rounds it: the double's exact binary value,
    half away from zero (DuckDB 2.0: 196016.555, stored as 196016.55499..., gives .55).
    Spark's round(double) rounds the double's shortest decimal form instead (.56), and money
    averages and spreads hit such ties often. Callers pass a DOUBLE (cast a decimal numerator
    to double before dividing: that is how DuckDB divides decimals), so both engines hold the
    same double and round it the same way. -#}
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

{#- Spark: round(|x|) on the shortest decimal form is right except when that form is exactly a
    tie (k.xx5) while the exact binary value lies below it; then one unit less. The exact value
    is mantissa * 2^e (Double.doubleToLongBits), compared with the tie N / 10^(digits + 1) in
    integers: mantissa * 10^(digits + 1) < N * 2^-e. Checked against DuckDB on 200,000 random
    quotients (tests/spark). Ties below 2^-10 (2^-e beyond a bigint) are left to Spark's rule. -#}
{% macro spark__round_double(expr, digits) -%}
    {%- set x = '(' ~ expr ~ ')' -%}
    {%- set tie_scale = 10 ** (digits + 1) -%}
    {%- set shortest = 'cast(abs(' ~ x ~ ') as decimal(38, 20))' -%}
    {%- set bits = "cast(reflect('java.lang.Double', 'doubleToLongBits', abs(" ~ x
        ~ ")) as bigint)" -%}
    {%- set mantissa = '((' ~ bits ~ ' & 4503599627370495) + 4503599627370496)' -%}
    {%- set neg_exponent = '(1075 - shiftright(' ~ bits ~ ', 52))' -%}
    {%- set unit = '1' if digits == 0 else '0.' ~ '0' * (digits - 1) ~ '1' -%}
    cast(
        signum({{ x }}) * (
            cast(round(abs({{ x }}), {{ digits }}) as decimal(38, {{ digits }}))
            - case
                when
                    ({{ shortest }} * {{ tie_scale }}) % 10 = 5
                    and {{ neg_exponent }} between 1 and 62
                    and cast({{ mantissa }} as decimal(38, 0)) * {{ tie_scale }}
                    < cast({{ shortest }} * {{ tie_scale }} as decimal(38, 0))
                    * cast(shiftleft(cast(1 as bigint), {{ neg_exponent }}) as decimal(38, 0))
                    then {{ unit }}
                else 0
            end
        ) as double
    )
{%- endmacro %}

{#- A struct of named fields, portable: fields is a list of (name, expression) pairs. Structs
    compare field by field on both engines, so one can be the ordering key of arg_min_by. -#}
{% macro named_row(fields) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('named_row', 'bank_crm')(fields) }}
    {%- else -%}
        {{ default__named_row(fields) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__named_row(fields) -%}
    struct_pack({% for name, expr in fields %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__named_row(fields) -%}
    named_struct({% for name, expr in fields %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The value of expr in the group's row with the smallest key (an aggregate): "the top row of
    each group" without ranking every row of it, as row_number() = 1 would (a sort of the whole
    input; on the facts of a month it spilled gigabytes). -#}
{% macro arg_min_by(expr, key) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('arg_min_by', 'bank_crm')(expr, key) }}
    {%- else -%}
        {{ default__arg_min_by(expr, key) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__arg_min_by(expr, key) -%}
    arg_min({{ expr }}, {{ key }})
{%- endmacro %}

{% macro spark__arg_min_by(expr, key) -%}
    min_by({{ expr }}, {{ key }})
{%- endmacro %}

{#- Written between "name as" and "(" of a CTE that several parts of a query read: DuckDB then
    reads the CTE's tables again in each part instead of materialising its rows once (it does
    that for any CTE referenced more than once). Use it on a filter or projection of a big table:
    each scan is cheap, while the materialised copy of a month of facts spilled gigabytes.
    Spark inlines CTEs unless told otherwise: nothing to write. -#}
{% macro inline_cte() -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('inline_cte', 'bank_crm')() }}
    {%- else -%}
        {{ default__inline_cte() }}
    {%- endif -%}
{%- endmacro %}

{% macro default__inline_cte() -%}
    not materialized
{%- endmacro %}

{% macro spark__inline_cte() -%}
{%- endmacro %}
