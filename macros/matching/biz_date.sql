{#-
    The business date identity resolution is built as of: the project's current_biz_date()
    (var('biz_date') when the orchestrator passes it, else the latest extracted lake date), kept
    under its own name so the identity models read as of one date whatever that rule becomes.
-#}
{% macro identity_biz_date() -%}
    {{ current_biz_date() }}
{%- endmacro %}

{#- The materialization of an identity model kept current record by record on DuckDB
    (incremental, delete+insert by its key); Spark, without delete+insert on its Parquet
    tables, rebuilds it as a table. -#}
{% macro incremental_on_duckdb() -%}
    {%- if adapter is defined and adapter.type() == 'duckdb' -%}
        {{ return('incremental') }}
    {%- else -%}
        {{ return('table') }}
    {%- endif -%}
{%- endmacro %}

{#- For int_customer_records: on an incremental run, whether the record (system, number) is
    among the model's CTE changed_keys (the records it recomputes); on a full build, TRUE. -#}
{% macro is_changed_record(system, number) -%}
    {%- if is_incremental() -%}
        exists (
            select 1 from changed_keys
            where
                changed_keys.source_system = {{ system }}
                and changed_keys.source_customer_no = {{ number }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
