{#-
    A phone number for publishing: 13812341234 -> 138****1234. Digits only are kept (spaces,
    hyphens, '+' dropped, full-width digits folded), a leading 86 / 0086 country code removed.
    Eleven or more digits: first 3, stars, last 4. Fewer (a landline without area code, junk):
    stars and at most the last 4, never more than 4 digits shown. NULL and no digits give NULL.
-#}
{% macro mask_mobile(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('mask_mobile', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__mask_mobile(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__mask_mobile(expr) -%}
    {%- set d = "regexp_replace(regexp_replace(translate(cast(" ~ expr
        ~ " as varchar), '０１２３４５６７８９', '0123456789'), '[^0-9]', '', 'g'), '^(0086|86)(1[3-9][0-9]{9})$', '\\2')" -%}
    case
        when length({{ d }}) = 0 then null
        when length({{ d }}) >= 11 then left({{ d }}, 3) || repeat('*', length({{ d }}) - 7) || right({{ d }}, 4)
        when length({{ d }}) > 4 then repeat('*', length({{ d }}) - 4) || right({{ d }}, 4)
        else repeat('*', length({{ d }}))
    end
{%- endmacro %}
