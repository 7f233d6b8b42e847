{#-
    Amounts and other numbers. A number is text matching [+-]?digits(.digits)? with at most the
    column's scale of decimals, exactly as delivered (not trimmed: the extractor's control totals
    use the same rule, orchestration/extract/totals.py, so staged money reconciles to them);
    anything else is a cast failure (typed value NULL, *_cast_failed TRUE) that staging routes to
    rejects. Decimal places beyond the column's scale are a failure rather than a silent rounding.
    - yuan: decimal text, up to two decimals (the spec says exactly two; fewer is accepted
      because it loses nothing) -> decimal(18,2).
    - fen: integer text -> bigint; fen_to_yuan() gives decimal(18,2) yuan exactly (no double).
    - integers (annual_income, overdue_days, fen) -> bigint.
    - decimals with a scale (interest_rate 4, rate_to_cny 6) -> decimal(precision, scale).
-#}
{% macro number_pattern(scale) -%}
    {%- if scale == 0 -%}
        [+-]?[0-9]+
    {%- else -%}
        [+-]?[0-9]+(\.[0-9]{1,{{ scale }}})?
    {%- endif -%}
{%- endmacro %}

{% macro to_decimal(expr, precision=18, scale=2) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('to_decimal', 'bank_crm')(expr, precision, scale) }}
    {%- else -%}
        {{ default__to_decimal(expr, precision, scale) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__to_decimal(expr, precision=18, scale=2) -%}
    case
        when regexp_full_match({{ expr }}, '{{ number_pattern(scale) }}')
            then try_cast({{ expr }} as decimal({{ precision }}, {{ scale }}))
    end
{%- endmacro %}

{% macro to_yuan(expr) -%}
    {{ to_decimal(expr, 18, 2) }}
{%- endmacro %}

{% macro to_integer(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('to_integer', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__to_integer(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__to_integer(expr) -%}
    case
        when regexp_full_match({{ expr }}, '{{ number_pattern(0) }}') then try_cast({{ expr }} as bigint)
    end
{%- endmacro %}

{#- Fen are integers; an alias of to_integer that says what the number is. -#}
{% macro to_fen(expr) -%}
    {{ to_integer(expr) }}
{%- endmacro %}

{#- Exact fen -> yuan: decimal arithmetic only (an integer division would go through double). -#}
{% macro fen_to_yuan(fen_expr) -%}
    cast(cast({{ fen_expr }} as decimal(18, 0)) * cast(0.01 as decimal(3, 2)) as decimal(18, 2))
{%- endmacro %}

{#- TRUE when delivered, non-empty text does not parse as the given kind. -#}
{% macro number_cast_failed(expr, precision=18, scale=2) -%}
    ({{ expr }} is not null and {{ to_decimal(expr, precision, scale) }} is null)
{%- endmacro %}

{% macro integer_cast_failed(expr) -%}
    ({{ expr }} is not null and {{ to_integer(expr) }} is null)
{%- endmacro %}
