-- noqa: disable=LT02
{#-
    Branch rows at every level. Data rows carry branch_l1_code..branch_l5_code of their
    reporting branch; a branch at level k owns every row whose branch_l<k>_code is its code.
    rollup_to_branch_levels(relation_cte, measures) unions the five groupings, giving one row
    per (biz_date, branch_level, branch_code) with the sums. The KPI and completeness marts
    join it to the branch list so every branch gets a row (zeros where nothing is booked).
-#}
{% macro rollup_to_branch_levels(cte, sums, date_column='biz_date') -%}
    {%- for k in [1, 2, 3, 4, 5] %}
    select
        {{ date_column }} as biz_date,
        {{ k }} as branch_level,
        branch_l{{ k }}_code as branch_code,
        {%- for name, expr in sums.items() %}
        sum({{ expr }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ cte }}
    where branch_l{{ k }}_code is not null
    group by {{ date_column }}, branch_l{{ k }}_code
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro branch_code_columns(prefix='') -%}
    {%- for k in [1, 2, 3, 4, 5] %}
    {{ prefix }}branch_l{{ k }}_code{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
