{#-
    Generic data test on a fact: on the business date being built, every row's level codes
    form a chain of the branch tree as of that date (branch_l<k-1>_code is the parent of
    branch_l<k>_code in int_branches_daily), no level is skipped, and branch_l1_code is never
    NULL. This is what makes branch subtotals at each level add up to their parent. Only T is
    checked, so the test costs what the day's rows cost, not the history.
-#}
{% test branch_levels_consistent(model) -%}
    with facts as (
        select * from {{ model }}
        where biz_date = {{ current_biz_date() }}
    ),

    tree as (
        select
            biz_date,
            branch_code,
            parent_code
        from {{ ref('int_branches_daily') }}
        where biz_date = {{ current_biz_date() }}
    ),

    violations as (
        select
            'missing level 1' as problem,
            facts.branch_code
        from facts
        where facts.branch_l1_code is null
    {%- for k in range(2, 6) %}
        union all
        select
            'level {{ k }} not under level {{ k - 1 }}' as problem,
            facts.branch_code
        from facts
        left join tree
            on facts.biz_date = tree.biz_date and facts.branch_l{{ k }}_code = tree.branch_code
        where
            facts.branch_l{{ k }}_code is not null
            and (
                tree.branch_code is null
                or facts.branch_l{{ k - 1 }}_code is null
                or facts.branch_l{{ k - 1 }}_code != tree.parent_code
            )
        {%- endfor %}
    )

    select * from violations
{%- endtest %}
