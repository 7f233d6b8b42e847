{#-
    A bank card number for publishing: first 6 (the issuer BIN) and last 4 digits,
    6225881234561234 -> 622588******1234. Digits only are kept (spaces and hyphens dropped,
    full-width folded). Fewer than 13 digits: all stars. NULL and no digits give NULL.
-#}
{% macro mask_card_no(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('mask_card_no', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__mask_card_no(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__mask_card_no(expr) -%}
    {%- set d = "regexp_replace(translate(cast(" ~ expr
        ~ " as varchar), '０１２３４５６７８９', '0123456789'), '[^0-9]', '', 'g')" -%}
    case
        when length({{ d }}) = 0 then null
        when length({{ d }}) >= 13 then left({{ d }}, 6) || repeat('*', length({{ d }}) - 10) || right({{ d }}, 4)
        else repeat('*', length({{ d }}))
    end
{%- endmacro %}
