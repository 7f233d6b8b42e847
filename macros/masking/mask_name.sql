{#-
    A person's name for publishing: first and last character kept, every character between
    them replaced by '*'; a two-character name keeps only its first character.
    张三 -> 张*, 张三丰 -> 张*丰, 欧阳娜娜 -> 欧**娜, 阿依古丽·买买提 -> 阿******提.
    One rule for single and compound surnames (no surname list to maintain): the masked form
    never shows more than two characters. Whitespace (also the ideographic space) is removed
    first, so '张 三' masks like '张三'. NULL and empty give NULL.
-#}
{% macro mask_name(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('mask_name', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__mask_name(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__mask_name(expr) -%}
    {%- set n = "regexp_replace(cast(" ~ expr ~ " as varchar), '[[:space:]　]', '', 'g')" -%}
    case
        when length({{ n }}) = 0 then null
        when length({{ n }}) = 1 then '*'
        when length({{ n }}) = 2 then left({{ n }}, 1) || '*'
        else left({{ n }}, 1) || repeat('*', length({{ n }}) - 2) || right({{ n }}, 1)
    end
{%- endmacro %}
