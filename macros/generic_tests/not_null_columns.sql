{#-
    Generic data test: none of the given columns holds a NULL. One test and one scan per model
    instead of dbt's not_null once per column: a full build ran 274 not_null tests, each its own
    query and dbt node (about 25 ms of dbt's time apiece however small the table; more again as
    Dagster asset checks), on every nightly build and in CI.
    A failing column is returned as one row (column_name, null_rows) and the test's failures
    count the NULL cells, as the per-column tests' counts summed would. Scoped like any generic
    test (get_where_subquery: T's rows on a nightly run of a staging or daily-incremental model).
    A not_null with its own config (severity: warn) stays a per-column not_null.
-#}
{% test not_null_columns(model, columns) -%}
    {{ config(fail_calc = 'coalesce(sum(null_rows), 0)') }}
    {#- counts is read once (a CTE read once per column could scan the model once per column) #}
    with counts as (
        select
            {% for column in columns -%}
                count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
            {% endfor %}
        from {{ model }}
    ),

    listed as (
        {% for column in columns -%}
            select
                {{ loop.index }} as column_index,
                '{{ column }}' as column_name
            {{ 'union all' if not loop.last }}
        {% endfor %}
    ),

    per_column as (
        select
            listed.column_name,
            case listed.column_index
                {% for column in columns -%}
                    when {{ loop.index }} then counts.nulls_{{ loop.index }}
                {% endfor %}
            end as null_rows
        from counts
        cross join listed
    )

    select
        column_name,
        null_rows
    from per_column
    where null_rows > 0
{%- endtest %}
