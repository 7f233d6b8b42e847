{#-
    Name normalisation for matching; the delivered name is kept beside it in staging.
    Traditional -> simplified characters (a small map of common surname and given-name
    characters) is NOT done yet: identity resolution's probabilistic stage absorbs it for now.
-#}

{#- Person names: half-width, then for names containing Chinese characters every whitespace
    (including U+3000) removed; for Latin-script names whitespace collapsed to one space and
    upper-cased. Empty -> NULL. -#}
{% macro normalize_person_name(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('normalize_person_name', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__normalize_person_name(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__normalize_person_name(expr) -%}
    nullif(
        case
            when regexp_matches({{ expr }}, '\p{Han}')
                then regexp_replace({{ fullwidth_to_halfwidth(expr) }}, '\s+', '', 'g')
            else upper(trim(regexp_replace({{ fullwidth_to_halfwidth(expr) }}, '\s+', ' ', 'g')))
        end,
        ''
    )
{%- endmacro %}

{#- Enterprise names: half-width (so （） become ()), whitespace removed, Latin letters upper
    case, and company-form suffix variants unified (有限责任公司 / 责任有限公司 -> 有限公司). -#}
{% macro normalize_enterprise_name(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('normalize_enterprise_name', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__normalize_enterprise_name(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__normalize_enterprise_name(expr) -%}
    nullif(
        regexp_replace(
            upper(regexp_replace({{ fullwidth_to_halfwidth(expr) }}, '\s+', '', 'g')),
            '有限责任公司$|责任有限公司$|有限責任公司$',
            '有限公司'
        ),
        ''
    )
{%- endmacro %}
