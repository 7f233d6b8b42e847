{#-
    An identity number (resident ID, or any certificate number) for publishing: at most the
    first 6 and the last 4 characters: 110101199003071234 -> 110101********1234, a 15-digit
    first-generation number -> 110101*****1234. Whitespace removed, full-width digits and 'ｘ'
    folded, 'x' upper-cased first. Shorter values (passports, placeholders, junk) are all
    stars. NULL and empty give NULL.
-#}
{% macro mask_id_no(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('mask_id_no', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__mask_id_no(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__mask_id_no(expr) -%}
    {%- set n = "upper(regexp_replace(translate(cast(" ~ expr
        ~ " as varchar), '０１２３４５６７８９Ｘｘ', '0123456789XX'), '[[:space:]　-]', '', 'g'))" -%}
    case
        when length({{ n }}) = 0 then null
        when length({{ n }}) >= 15 then left({{ n }}, 6) || repeat('*', length({{ n }}) - 10) || right({{ n }}, 4)
        else repeat('*', length({{ n }}))
    end
{%- endmacro %}
