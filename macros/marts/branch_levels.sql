-- noqa: disable=LT02
{#-
    Branch rows at every level. Data rows carry branch_l1_code..branch_l5_code of their
    reporting branch; a branch at level k owns every row whose branch_l<k>_code is its code.
    rollup_to_branch_levels(relation_cte, measures) sums the five groupings, giving one row
    per (biz_date, branch_level, branch_code) with the sums. The KPI and completeness marts
    join it to the branch list so every branch gets a row (zeros where nothing is booked).
-#}
{% macro rollup_to_branch_levels(cte, sums, date_column='biz_date') -%}
    {#- Two steps. First the rows are summed per date and branch path (l1..l5): a few hundred
        paths a date, however many accounts or customers. Then the five groupings (grouping
        sets, one pass: on Spark every reference of a CTE repeats its whole plan) add up those
        path sums; in the grouping set of level k only branch_l<k>_code is set. Sums of sums are
        the same sums, and grouping sets over every input row made DuckDB materialise the whole
        input (on a month of a 1,000,000-customer bank: 100 million rows, gigabytes spilled). -#}
    select
        biz_date,
        branch_level,
        branch_code,
        {%- for name in sums %}
        {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            biz_date,
            case
            {%- for k in [1, 2, 3, 4, 5] %}
                when grouping(branch_l{{ k }}_code) = 0 then {{ k }}
            {%- endfor %}
            end as branch_level,
            case
            {%- for k in [1, 2, 3, 4, 5] %}
                when grouping(branch_l{{ k }}_code) = 0 then branch_l{{ k }}_code
            {%- endfor %}
            end as branch_code,
            {%- for name in sums %}
            sum({{ name }}) as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from (
            select
                {{ date_column }} as biz_date,
                {{ branch_code_columns() }},
                {%- for name, expr in sums.items() %}
                sum({{ expr }}) as {{ name }}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ cte }}
            group by
                {{ date_column }},
                {{ branch_code_columns() }}
        ) as paths
        group by grouping sets (
        {%- for k in [1, 2, 3, 4, 5] %}
            (biz_date, branch_l{{ k }}_code){{ ',' if not loop.last }}
        {%- endfor %}
        )
    ) as rolled
    where branch_code is not null
{%- endmacro %}

{% macro branch_code_columns(prefix='') -%}
    {%- for k in [1, 2, 3, 4, 5] %}
    {{ prefix }}branch_l{{ k }}_code{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
