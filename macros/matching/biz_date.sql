{#-
    The business date identity resolution is built as of: var('biz_date') ('YYYY-MM-DD') when
    the orchestrator passes it, else the latest business date delivered to core customers (an
    ad-hoc run). Returned as a date expression so models can compare biz_date columns with it.
-#}
{% macro identity_biz_date() -%}
    {%- set value = var('biz_date', none) -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        (select max(biz_date) from {{ ref('stg_core__customers') }})
    {%- endif -%}
{%- endmacro %}
