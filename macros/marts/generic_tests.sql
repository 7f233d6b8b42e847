{#-
    Generic data tests of the branch marts.

    mart_expression_is_true: every row satisfies a SQL predicate (a rule of the mart, e.g.
    "only consented customers appear": may_contact or may_profile).

    mart_children_sum_to_parent: in a mart with one row per branch and date (branch_code,
    parent_code), no branch's non-negative measure is below the sum over its direct children:
    a parent holds its children's figures plus what is booked at the parent itself. (The exact
    equality, children + booked at the parent, is checked to the cent in tests/marts.)
-#}
{% test mart_expression_is_true(model, expression) -%}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{%- endtest %}

{% test mart_children_sum_to_parent(model, measure, date_column='biz_date') -%}
    with children as (
        select
            {{ date_column }} as child_date,
            parent_code,
            sum({{ measure }}) as children_total
        from {{ model }}
        where parent_code is not null
        group by {{ date_column }}, parent_code
    )

    select
        parent.{{ date_column }},
        parent.branch_code,
        parent.{{ measure }},
        children.children_total
    from {{ model }} as parent
    inner join children
        on
            parent.{{ date_column }} = children.child_date
            and parent.branch_code = children.parent_code
    where parent.{{ measure }} < children.children_total
{%- endtest %}
