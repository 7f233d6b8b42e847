{#- Generic data tests of identity resolution. -#}

{#- The model has exactly as many rows as compare_model (customer_xref covers every source
    customer record: one row each). Fails with one row holding both counts. -#}
{% test row_count_equals(model, compare_model) -%}
    with counts as (
        select
            (select count(*) from {{ model }}) as model_rows,
            (select count(*) from {{ compare_model }}) as compare_rows
    )

    select * from counts
    where model_rows != compare_rows
{%- endtest %}

{#- Hard negative: no customer holds two different anchors (two valid, different resident ids,
    other certificates or organization codes). column_name is the customer key column; records
    is the relation carrying anchor_key per (source_system, source_customer_no). -#}
{% test one_anchor_per_customer(model, column_name, records) -%}
    select
        xref.{{ column_name }},
        count(distinct records.anchor_key) as anchors
    from {{ model }} as xref
    inner join {{ records }} as records
        on
            xref.source_system = records.source_system
            and xref.source_customer_no = records.source_customer_no
    where records.anchor_key is not null
    group by xref.{{ column_name }}
    having count(distinct records.anchor_key) > 1
{%- endtest %}

{#- Connected components converged: no record keeps a link into another component
    (column_name flags such records; macro connected_components). Fails with the records whose
    component labelling did not settle. -#}
{% test component_labels_converged(model, column_name) -%}
    select *
    from {{ model }}
    where {{ column_name }}
{%- endtest %}
