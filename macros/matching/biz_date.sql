{#-
    The business date identity resolution is built as of: the project's current_biz_date()
    (var('biz_date') when the orchestrator passes it, else the latest extracted lake date), kept
    under its own name so the identity models read as of one date whatever that rule becomes.
-#}
{% macro identity_biz_date() -%}
    {{ current_biz_date() }}
{%- endmacro %}
