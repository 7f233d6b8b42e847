{#-
    Connected components of an undirected graph, as CTEs to place inside a model's WITH list.

    edges: a CTE (or relation) holding both directions of every edge, columns record_id and
    other_record_id. The macro emits CTEs whose last is `components(record_id, component_id)`:
    every record_id of edges with the smallest record_id of its component.

    DuckDB: min-label propagation by recursive CTE (UNION: a label reached twice is kept once,
    so the recursion stops when no record learns a new label). The model must open its WITH
    with with_recursive().

    Spark: its recursive CTE accepts UNION ALL only (which never stops on a cycle), so the
    labels are propagated for a fixed number of rounds, var('identity_component_rounds', 6),
    from a first labelling without a join (the smallest record of each neighbourhood).
    Each round takes the smallest label of the record and its neighbours, then jumps once (a
    record takes its label's label), so a round covers at least one edge and usually doubles
    the reach. Every round reads the previous one exactly once (the jump uses a generator and
    a window, not a self-join): Spark inlines CTEs, and a self-join per round would double
    the query plan each round. Six rounds settle any component whose smallest record is
    within six edges of every other, far beyond the probabilistic links seen; a component that
    did not settle is caught by the model's is_component_unsettled column and its data
    test, never passed on silently.
-#}
{% macro with_recursive() -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('with_recursive', 'bank_crm')() }}
    {%- else -%}
        {{ default__with_recursive() }}
    {%- endif -%}
{%- endmacro %}

{% macro default__with_recursive() -%}
    with recursive
{%- endmacro %}

{% macro spark__with_recursive() -%}
    with
{%- endmacro %}

{% macro connected_components(edges) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('connected_components', 'bank_crm')(edges) }}
    {%- else -%}
        {{ default__connected_components(edges) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__connected_components(edges) -%}
    reach (record_id, label) as (
        select distinct
            record_id,
            record_id as label
        from {{ edges }}
        union
        select
            {{ edges }}.other_record_id as record_id,
            reach.label
        from reach
        inner join {{ edges }} on reach.record_id = {{ edges }}.record_id
    ),

    components as (
        select
            record_id,
            min(label) as component_id
        from reach
        group by record_id
    )
{%- endmacro %}

{% macro spark__connected_components(edges) -%}
    {%- set rounds = var('identity_component_rounds', 6) | int %}
    component_closed_edges as (
        {#- each record's neighbourhood: its links and itself (a self-link per edge, which
            changes no minimum), from one read of the edges -#}
        select
            closed.record_id,
            closed.other_record_id
        from {{ edges }}
        lateral view inline(
            array(
                named_struct('record_id', record_id, 'other_record_id', other_record_id),
                named_struct('record_id', record_id, 'other_record_id', record_id)
            )
        ) closed as record_id, other_record_id
    ),

    component_labels_0 as (
        select
            record_id,
            min(other_record_id) as label
        from component_closed_edges
        group by record_id
    ),
    {%- for step in range(1, rounds + 1) %}

        component_near_{{ step }} as (
            select
                closed.record_id,
                min(previous.label) as label
            from component_closed_edges as closed
            inner join component_labels_{{ step - 1 }} as previous
                on closed.other_record_id = previous.record_id
            group by closed.record_id
        ),

        component_hops_{{ step }} as (
            select
                hop.asker,
                max(hop.own_label) over (partition by hop.node) as node_label
            from component_near_{{ step }}
            lateral view inline(
                array(
                    named_struct(
                        'node', record_id, 'asker', record_id, 'own_label', label
                    ),
                    named_struct(
                        'node', label, 'asker', record_id, 'own_label', cast(null as string)
                    )
                )
            ) hop as node, asker, own_label
        ),

        component_labels_{{ step }} as (
            select
                asker as record_id,
                min(node_label) as label
            from component_hops_{{ step }}
            group by asker
        ),
    {%- endfor %}

    components as (
        select
            record_id,
            label as component_id
        from component_labels_{{ rounds }}
    )
{%- endmacro %}
