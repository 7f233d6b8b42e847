{#- The columns of a group's top candidate, as one struct (an aggregate, used in a GROUP BY):
    the row with the largest amount, ties to the oldest since date (when given), then the
    lowest item id; NULL amounts and dates rank last, as "order by amount desc nulls last,
    since asc nulls last, item_id" would. One pass of the group's rows: ranking them all with
    row_number() sorted every candidate of every date (on a month of facts it spilled
    gigabytes). -#}
{% macro top_candidate(columns, amount, item_id, since=none) -%}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- do fields.append((column, column)) -%}
    {%- endfor -%}
    {%- set key = [
        ('amount_missing', amount ~ ' is null'),
        ('amount_desc', '-coalesce(' ~ amount ~ ', 0)'),
    ] -%}
    {%- if since is not none -%}
        {%- do key.append(('since_missing', since ~ ' is null')) -%}
        {%- do key.append(('since', 'coalesce(' ~ since ~ ", cast('0001-01-01' as date))")) -%}
    {%- endif -%}
    {%- do key.append(('item_missing', item_id ~ ' is null')) -%}
    {%- do key.append(('item_id', 'coalesce(' ~ item_id ~ ", '')")) -%}
    {{ arg_min_by(named_row(fields), named_row(key)) }}
{%- endmacro %}
