{#- Identity resolution's first two models follow the night's changes on DuckDB
    (int_customer_records, int_customer_records_anchored): what they share. -#}

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

{#- On an incremental run of either model, whether the record (system, number) is among the
    model's CTE changed_keys (the records whose rows it recomputes); on a full build, TRUE. -#}
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

{#- A customer record's anchor (int_customer_records_anchored): the identifier that links it
    for certain, 'R' + resident id, 'C' + other person certificate, 'O' + organization code;
    NULL when it has none. `r` is the relation or alias of int_customer_records' columns. -#}
{% macro record_anchor_key(r) -%}
    case
        when {{ r }}.party_kind = 'P' and {{ r }}.resident_id is not null
            then 'R' || {{ r }}.resident_id
        when {{ r }}.party_kind = 'P' and {{ r }}.cert_quality = 'other_cert_type'
            then 'C' || {{ r }}.cert_type || ':' || {{ r }}.cert_no_normalized
        when {{ r }}.party_kind = 'E' and {{ r }}.org_code is not null
            then 'O' || {{ r }}.org_code
    end
{%- endmacro %}
