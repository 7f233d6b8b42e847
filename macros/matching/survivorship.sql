{#- Survivorship aggregates of the golden record (dim_customer). -#}

{#- The value of expr in the row with the smallest rank_expr among rows where expr is not
    NULL: "the most recent non-empty value" when rank_expr ranks rows newest first. The whole
    value comes from one row (an address is never stitched from two). -#}
{% macro first_by_rank(expr, rank_expr) -%}
    {{ arg_min_by(expr, rank_expr) }} filter (where {{ expr }} is not null)
{%- endmacro %}

{#- Incremental strategy of a history (valid_from / valid_to) table keyed by
    (key, valid_from): delete+insert on both engines (on Spark's Parquet tables, which have no
    MERGE or DELETE, a rewrite of the table: macros/spark/incremental.sql). -#}
{% macro history_incremental_strategy() -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('history_incremental_strategy', 'bank_crm')()) }}
    {%- else -%}
        {{ return(default__history_incremental_strategy()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__history_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__history_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{#- Days before a date (date minus n days), portable. -#}
{% macro days_before(date_expr, days) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('days_before', 'bank_crm')(date_expr, days) }}
    {%- else -%}
        {{ default__days_before(date_expr, days) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__days_before(date_expr, days) -%}
    cast({{ date_expr }} - interval {{ days }} day as date)
{%- endmacro %}

{% macro spark__days_before(date_expr, days) -%}
    date_sub({{ date_expr }}, {{ days }})
{%- endmacro %}
