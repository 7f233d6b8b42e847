{#-
    Override of dbt-core's get_fixture_sql (dbt 1.11 behaviour otherwise unchanged). dbt types
    the columns of a unit-test fixture by reading the input relation from the warehouse; a
    source over the Parquet lake has no relation there (it is read with read_parquet), so the
    fixture would fail with "relation doesn't exist". When the input is a raw lake table
    (macros/lake/raw_columns.sql) the lake's column types are used instead; any other input is
    typed from its relation as dbt does.
-#}
-- The body is Jinja control flow only; sqlfluff cannot judge its indentation.
-- noqa: disable=LT02
{% macro get_fixture_sql(rows, column_name_to_data_types) -%}
    {%- set types = {} -%}
    {%- set quoted = {} -%}
    {%- if column_name_to_data_types -%}
        {%- do types.update(column_name_to_data_types) -%}
    {%- elif model.get('source_name') and raw_column_types(model.name) -%}
        {%- for name, data_type in raw_column_types(model.name) -%}
            {%- do types.update({name: data_type}) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set use_defer = defer_relation and not load_relation(this) -%}
        {%- set relation = defer_relation if use_defer else this -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({column.name | lower: column.data_type}) -%}
            {%- do quoted.update({column.name | lower: column.quoted}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not types -%}
        {{ exceptions.raise_compiler_error(
            "Not able to get columns for unit test '" ~ model.name ~ "' from relation "
            ~ this ~ " because the relation doesn't exist"
        ) }}
    {%- endif -%}
    {%- for name in types -%}
        {%- if name not in quoted -%}
            {%- do quoted.update({name: adapter.quote(name)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set default_row = {} -%}
    {%- for name, data_type in types.items() -%}
        {%- do default_row.update({name: (safe_cast('null', data_type) | trim)}) -%}
    {%- endfor -%}
    {{ validate_fixture_rows(rows, row_number) }}
    {%- set selects = [] -%}
    {%- for row in rows -%}
        {%- set values = default_row.copy() -%}
        {%- do values.update(format_row(row, types)) -%}
        {%- set cols = [] -%}
        {%- for name, value in values.items() -%}
            {%- do cols.append(value ~ ' as ' ~ quoted[name]) -%}
        {%- endfor -%}
        {%- do selects.append('select ' ~ cols | join(', ')) -%}
    {%- endfor -%}
    {%- if rows | length == 0 -%}
        {%- set cols = [] -%}
        {%- for name, value in default_row.items() -%}
            {%- do cols.append(value ~ ' as ' ~ quoted[name]) -%}
        {%- endfor -%}
        {%- do selects.append('select ' ~ cols | join(', ') ~ ' limit 0') -%}
    {%- endif -%}
    {{ selects | join('\nunion all\n') }}
{%- endmacro %}
