{#-
    Mainland mobile numbers to their 11 digits: half-width, spaces, hyphens, dots, parentheses
    and '+' removed, a leading 86 / 0086 country code dropped. Valid when the result matches
    ^1[3-9][0-9]{9}$; anything else is NULL (flag it with mobile_is_valid).
-#}
{% macro normalize_mobile(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('normalize_mobile', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__normalize_mobile(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__normalize_mobile(expr) -%}
    nullif(
        regexp_extract(
            regexp_replace({{ fullwidth_to_halfwidth(expr) }}, '[\s\-+().]', '', 'g'),
            '^(?:0086|86)?(1[3-9][0-9]{9})$',
            1
        ),
        ''
    )
{%- endmacro %}

{#- TRUE when a delivered mobile normalises to 11 valid digits, FALSE when it does not,
    NULL when no mobile was delivered. Takes the raw and the normalised expressions. -#}
{% macro mobile_is_valid(raw_expr, normalized_expr) -%}
    case when nullif(trim({{ raw_expr }}), '') is not null then {{ normalized_expr }} is not null end
{%- endmacro %}
