{#-
    Reject rules of a staging base model. A check is a dict:
      {'column': 'birth_date', 'rule': 'date'|'timestamp'|'decimal'|'integer'|'required',
       'required': true|false, 'scale': 2, 'precision': 18}
    'required' (rule or flag) rejects an empty value; a typed rule rejects delivered text that
    does not cast. A failure on a required column excludes the record from the staging model
    (excludes_record = true); a failure on an optional column keeps the record with the value
    NULL and is still listed (excludes_record = false), so nothing turns NULL silently.
    The expression returns a list of struct(column_name, reason, raw_value, excludes_record),
    empty when the record is clean; stg_rejects unnests it.
-#}
{% macro reject_condition(check, alias) -%}
    {%- set col = alias ~ '.' ~ check['column'] -%}
    {%- set rule = check['rule'] -%}
    {%- if rule == 'date' -%}{{ date_cast_failed(col) }}
    {%- elif rule == 'timestamp' -%}{{ timestamp_cast_failed(col) }}
    {%- elif rule == 'decimal' -%}{{ number_cast_failed(col, check.get('precision', 18), check.get('scale', 2)) }}
    {%- elif rule == 'integer' -%}{{ integer_cast_failed(col) }}
    {%- else -%}false
    {%- endif -%}
{%- endmacro %}

{% macro reject_reason(check) -%}
    {%- set rule = check['rule'] -%}
    {%- if rule == 'date' -%}not_a_date
    {%- elif rule == 'timestamp' -%}not_a_timestamp
    {%- elif rule == 'decimal' -%}not_a_number
    {%- elif rule == 'integer' -%}not_an_integer
    {%- else -%}invalid
    {%- endif -%}
{%- endmacro %}

{% macro staging_rejects(checks, alias='source') -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('staging_rejects', 'bank_crm')(checks, alias) }}
    {%- else -%}
        {{ default__staging_rejects(checks, alias) }}
    {%- endif -%}
{%- endmacro %}

{#- The non-null checks of a list, as SQL expressions (shared by every engine's form). -#}
{% macro staging_reject_items(checks, alias='source') -%}
    {%- set items = [] -%}
    {%- for check in checks -%}
        {%- set col = alias ~ '.' ~ check['column'] -%}
        {%- set required = check.get('required', false) or check['rule'] == 'required' -%}
        {%- if required -%}
            {%- do items.append(
                "case when nullif(trim(" ~ col ~ "), '') is null then "
                ~ reject_struct(check['column'], 'missing_required', col, true) ~ " end"
            ) -%}
        {%- endif -%}
        {%- if check['rule'] != 'required' -%}
            {%- do items.append(
                "case when " ~ reject_condition(check, alias) ~ " then "
                ~ reject_struct(check['column'], reject_reason(check), col, required) ~ " end"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(items) }}
{%- endmacro %}

{% macro default__staging_rejects(checks, alias='source') -%}
    {%- set items = staging_reject_items(checks, alias) -%}
    list_filter(
        [
            {{ items | join(',\n            ') }}
        ],
        lambda r: r is not null
    )
{%- endmacro %}

{% macro reject_struct(column, reason, col_expr, excludes) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('reject_struct', 'bank_crm')(column, reason, col_expr, excludes) }}
    {%- else -%}
        {{ default__reject_struct(column, reason, col_expr, excludes) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__reject_struct(column, reason, col_expr, excludes) -%}
    struct_pack(
        column_name := '{{ column }}',
        reason := '{{ reason }}',
        raw_value := cast({{ col_expr }} as varchar),
        excludes_record := {{ 'true' if excludes else 'false' }}
    )
{%- endmacro %}

{#- TRUE when any reject of the list excludes the record. -#}
{% macro rejects_exclude(rejects_expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('rejects_exclude', 'bank_crm')(rejects_expr) }}
    {%- else -%}
        {{ default__rejects_exclude(rejects_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__rejects_exclude(rejects_expr) -%}
    coalesce(
        list_bool_or(
            list_transform({{ rejects_expr }}, lambda r: struct_extract(r, 'excludes_record'))
        ),
        false
    )
{%- endmacro %}

{#- FROM-clause tail that turns each element of an array column into a row of its own,
    reachable as <table_alias>.<column_alias>: one row per (record, element); records whose
    array is empty give no row. -#}
{% macro unnest_join(array_expr, table_alias, column_alias) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('unnest_join', 'bank_crm')(array_expr, table_alias, column_alias) }}
    {%- else -%}
        {{ default__unnest_join(array_expr, table_alias, column_alias) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__unnest_join(array_expr, table_alias, column_alias) -%}
    , unnest({{ array_expr }}) as {{ table_alias }} ({{ column_alias }})
{%- endmacro %}

{#- The lake lineage columns under their staging names. -#}
{% macro lake_lineage(alias='source') -%}
    {{ alias }}._biz_date as biz_date,
    {{ alias }}._batch_id,
    {{ alias }}._redelivery,
    {{ alias }}._source_file,
    {{ alias }}._line_no,
    {{ alias }}._loaded_at
{%- endmacro %}

{#- Keyword that makes DuckDB compute a CTE once: the cleaned columns of the customer models
    (cert_no_normalized above all) are referenced dozens of times by the identity macros, and an
    inlined CTE would recompute them for every reference. Empty on engines without it. -#}
{% macro materialized_cte() -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('materialized_cte', 'bank_crm')() }}
    {%- else -%}
        {{ default__materialized_cte() }}
    {%- endif -%}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro spark__materialized_cte() -%}
{%- endmacro %}
