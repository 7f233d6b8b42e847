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

{#- dim_customer follows the night's changes on DuckDB: a customer's golden record is
    recomputed when the digest of its source records changes. record_hash is one record's hash
    (its whole row, `r` being the relation or alias of int_customer_records_anchored);
    source_digest sums the hashes of a customer's records (order-free; a record added, removed
    or changed changes it). Spark builds the table whole and needs neither: NULL there. -#}
{% macro record_hash(r) -%}
    {%- if adapter is defined and adapter.type() == 'duckdb' -%}
        hash({{ r }})
    {%- else -%}
        cast(null as bigint)
    {%- endif -%}
{%- endmacro %}

{% macro source_digest(record_hash) -%}
    {%- if adapter is defined and adapter.type() == 'duckdb' -%}
        cast(sum({{ record_hash }}) as decimal(38, 0))
    {%- else -%}
        cast(null as decimal(38, 0))
    {%- endif -%}
{%- endmacro %}

{#- dim_customer's post-hooks on an incremental run: delete the customers customer_xref no longer
    has (merged into another key), then date every row T (each is the golden record as of T,
    recomputed or not). Nothing on a full build, which writes only T's customers. -#}
{% macro golden_record_upkeep(relation) -%}
    {%- if is_incremental() -%}
        delete from {{ relation }}
        where customer_key not in (select xref.customer_key from {{ ref('customer_xref') }} as xref);
        update {{ relation }} set biz_date = {{ identity_biz_date() }}
        where biz_date is distinct from {{ identity_biz_date() }}
    {%- endif -%}
{%- endmacro %}
