{#-
    Canonical text of a certificate number, before any validation: full-width to half-width,
    every space, hyphen, underscore, dot, slash and middle dot removed, upper case (so a
    lower-case check character 'x' becomes 'X'). Empty after cleaning is NULL. The result is the
    input of the resident-id and enterprise-id macros, and is what probabilistic matching
    compares when the number itself is invalid.
-#}
{% macro normalize_cert_no(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('normalize_cert_no', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__normalize_cert_no(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__normalize_cert_no(expr) -%}
    nullif(
        upper(
            regexp_replace(
                {{ fullwidth_to_halfwidth(expr) }},
                '[\s\-_./\\·‐‑–—]+',
                '',
                'g'
            )
        ),
        ''
    )
{%- endmacro %}
