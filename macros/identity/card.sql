{#-
    Card numbers (ISO/IEC 7812): 16 or 19 digits whose last digit is the Luhn check digit.
    Set-based: the digits are walked with list_transform over a range, no UDF.
-#}
{% macro card_no_is_valid(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('card_no_is_valid', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__card_no_is_valid(expr) }}
    {%- endif -%}
{%- endmacro %}

{#- Luhn: from the right, every second digit doubled (minus 9 above 9); the sum ends in 0. -#}
{% macro default__card_no_is_valid(expr) -%}
    coalesce(
        regexp_full_match({{ expr }}, '[0-9]{16}|[0-9]{19}')
        and list_sum(
            list_transform(
                range(length({{ expr }})),
                lambda i: case
                    when i % 2 = 0
                        then cast(substr({{ expr }}, length({{ expr }}) - i, 1) as integer)
                    else
                        (cast(substr({{ expr }}, length({{ expr }}) - i, 1) as integer) * 2 - 1)
                        % 9 + 1
                end
            )
        ) % 10 = 0,
        false
    )
{%- endmacro %}
