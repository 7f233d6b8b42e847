{#-
    Spark forms of the masking macros (macros/masking): the same rules. Spark's regexp_replace
    replaces every match (DuckDB's 'g' flag), Java regex spells POSIX [[:space:]] as \s and a
    back-reference in the replacement as $2, and text casts are to string.
-#}
{% macro spark__address_to_district(expr) -%}
    {%- set province = "(?:北京市|天津市|上海市|重庆市|[^省市区县]{2,7}?省|[^省市区县]{2,10}?自治区|[^省市区县]{2,4}?特别行政区)" -%}
    {%- set city = "(?:[^省市区县]{1,12}?(?:市|自治州|地区|盟))" -%}
    {%- set district = "(?:[^省市区县旗号0-9]{1,10}?(?:区|县|市|旗))" -%}
    nullif(
        regexp_extract(
            regexp_replace(cast({{ expr }} as string), r'[\s　]', ''),
            '^(?:{{ province }}{{ city }}?|{{ city }}){{ district }}?',
            0
        ),
        ''
    )
{%- endmacro %}

{% macro spark__mask_card_no(expr) -%}
    {%- set d = "regexp_replace(translate(cast(" ~ expr
        ~ " as string), '０１２３４５６７８９', '0123456789'), '[^0-9]', '')" -%}
    case
        when length({{ d }}) = 0 then null
        when length({{ d }}) >= 13
            then left({{ d }}, 6) || repeat('*', length({{ d }}) - 10) || right({{ d }}, 4)
        else repeat('*', length({{ d }}))
    end
{%- endmacro %}

{% macro spark__mask_id_no(expr) -%}
    {%- set n = "upper(regexp_replace(translate(cast(" ~ expr
        ~ " as string), '０１２３４５６７８９Ｘｘ', '0123456789XX'), r'[\\s　-]', ''))" -%}
    case
        when length({{ n }}) = 0 then null
        when length({{ n }}) >= 15
            then left({{ n }}, 6) || repeat('*', length({{ n }}) - 10) || right({{ n }}, 4)
        else repeat('*', length({{ n }}))
    end
{%- endmacro %}

{% macro spark__mask_mobile(expr) -%}
    {%- set d = "regexp_replace(regexp_replace(translate(cast(" ~ expr
        ~ " as string), '０１２３４５６７８９', '0123456789'), '[^0-9]', ''),"
        ~ " r'^(0086|86)(1[3-9][0-9]{9})$', '$2')" -%}
    case
        when length({{ d }}) = 0 then null
        when length({{ d }}) >= 11
            then left({{ d }}, 3) || repeat('*', length({{ d }}) - 7) || right({{ d }}, 4)
        when length({{ d }}) > 4 then repeat('*', length({{ d }}) - 4) || right({{ d }}, 4)
        else repeat('*', length({{ d }}))
    end
{%- endmacro %}

{% macro spark__mask_name(expr) -%}
    {%- set n = "regexp_replace(cast(" ~ expr ~ " as string), r'[\\s　]', '')" -%}
    case
        when length({{ n }}) = 0 then null
        when length({{ n }}) = 1 then '*'
        when length({{ n }}) = 2 then left({{ n }}, 1) || '*'
        else left({{ n }}, 1) || repeat('*', length({{ n }}) - 2) || right({{ n }}, 1)
    end
{%- endmacro %}
