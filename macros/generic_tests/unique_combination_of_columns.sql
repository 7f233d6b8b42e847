{#-
    Generic data test: no two rows share the same values in the given columns (the grain of a
    staging model is its natural key plus biz_date). No dbt packages can be installed here, so
    this replaces dbt_utils.unique_combination_of_columns.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) -%}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{%- endtest %}
