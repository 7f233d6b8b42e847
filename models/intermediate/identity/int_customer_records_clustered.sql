{#- Probabilistic stage, step 2, and the clusters: every record with the cluster it belongs to.
    - Anchored records: their anchor (deterministic stage).
    - An unanchored record scoring at least var('identity_match_threshold') bits against
      records of exactly one anchored cluster joins it. Against two or more anchored clusters
      it joins the best only when that one beats the runner-up by at least
      var('identity_ambiguity_margin') bits; otherwise it is ambiguous and joins none (a false
      merge shows one customer another's money).
    - Unanchored, non-ambiguous records above the threshold with each other form connected
      components (macro connected_components: a recursive CTE on DuckDB, a fixed number of
      label-propagation rounds on Spark; is_component_unsettled flags a record with a link
      into another component: false once the labelling converged, else a data test fails). A
      component whose attached members
      all joined the same anchored cluster joins it whole; otherwise each member keeps its own
      attachment and the unattached members form a cluster of their own.
    A link also needs corroboration beyond name and birth date: the same mobile, the same
    address or a (nearly) equal identity number. At a million customers, namesakes born the
    same day in the same district exist; their contact data tells them apart.
    Hard negative by construction: anchors are never merged with each other, so two different
    valid identity numbers (or organization codes) are never in one cluster. -#}
{%- set threshold = var('identity_match_threshold', 18) -%}
{%- set margin = var('identity_ambiguity_margin', 10) -%}

{{ with_recursive() }} records as (
    select * from {{ ref('int_customer_records_anchored') }}
),

pairs as (
    select * from {{ ref('int_customer_pairs_scored') }}
    where
        match_weight >= {{ threshold }}
        and (
            mobile_level = 'exact'
            or address_level = 'exact'
            or id_level in ('first17', 'near')
            or party_kind = 'E'
        )
),

to_anchor as (
    select
        left_record_id as record_id,
        right_anchor_key as anchor_key,
        max(match_weight) as match_weight
    from pairs
    where right_anchor_key is not null
    group by left_record_id, right_anchor_key
),

ranked as (
    select
        *,
        row_number() over (
            partition by record_id order by match_weight desc, anchor_key asc
        ) as anchor_rank,
        lead(match_weight) over (
            partition by record_id order by match_weight desc, anchor_key asc
        ) as runner_up_weight
    from to_anchor
),

attached as (
    select
        record_id,
        anchor_key,
        match_weight,
        runner_up_weight,
        runner_up_weight is not null
        and match_weight - runner_up_weight < {{ margin }} as is_ambiguous
    from ranked
    where anchor_rank = 1
),

free_edges as (
    select
        pairs.left_record_id as record_id,
        pairs.right_record_id as other_record_id,
        pairs.match_weight
    from pairs
    left join attached as la on pairs.left_record_id = la.record_id
    left join attached as ra on pairs.right_record_id = ra.record_id
    where
        pairs.right_anchor_key is null
        and not coalesce(la.is_ambiguous, false)
        and not coalesce(ra.is_ambiguous, false)
),

edges as (
    select
        record_id,
        other_record_id
    from free_edges
    union all
    select
        other_record_id as record_id,
        record_id as other_record_id
    from free_edges
),

{{ connected_components('edges') }},

component_check as (
    {#- Each record of a component once, with its label and the smallest label of its
        neighbourhood (itself and its links): they differ only if the labelling did not
        converge. Read once, like each step below: on Spark every reference of a CTE inlines
        the whole labelling again. -#}
    select
        neighbourhood.record_id,
        max(
            case
                when neighbourhood.other_record_id = neighbourhood.record_id
                    then components.component_id
            end
        ) as component_id,
        min(components.component_id) as neighbourhood_min_id
    from (
        select
            record_id,
            other_record_id
        from edges
        union all
        select distinct
            record_id,
            record_id as other_record_id
        from edges
    ) as neighbourhood
    inner join components on neighbourhood.other_record_id = components.record_id
    group by neighbourhood.record_id
),

component_members as (
    {#- A component joins an anchored cluster whole when its attached members all joined
        the same one (component_anchors = 1). -#}
    select
        component_check.record_id,
        component_check.component_id,
        component_check.neighbourhood_min_id != component_check.component_id
            as is_component_unsettled,
        {{ count_distinct_over(
            'case when not attached.is_ambiguous then attached.anchor_key end',
            'component_check.component_id'
        ) }} as component_anchors,
        min(case when not attached.is_ambiguous then attached.anchor_key end)
            over (partition by component_check.component_id)
            as component_anchor_key
    from component_check
    left join attached on component_check.record_id = attached.record_id
),

component_weights as (
    select
        record_id,
        max(match_weight) as match_weight
    from (
        select
            record_id,
            match_weight
        from free_edges
        union all
        select
            other_record_id as record_id,
            match_weight
        from free_edges
    ) as incident
    group by record_id
),

assigned as (
    select
        records.record_id,
        records.source_system,
        records.source_customer_no,
        records.party_kind,
        records.anchor_key as own_anchor_key,
        case
            when records.anchor_key is not null then records.anchor_cluster
            when attached.anchor_key is not null and not attached.is_ambiguous
                then attached.anchor_key
            when
                component_members.component_anchors = 1
                and not coalesce(attached.is_ambiguous, false)
                then component_members.component_anchor_key
            when component_members.component_id is not null
                then 'U' || component_members.component_id
            else 'S' || records.record_id
        end as cluster_id,
        case
            when records.anchor_key is not null then records.anchor_rule
            when attached.is_ambiguous then 'ambiguous'
            when
                attached.anchor_key is not null
                or component_members.component_anchors = 1
                or component_members.component_id is not null
                then 'probabilistic'
        end as link_rule,
        case
            when records.anchor_key is not null then null
            when attached.anchor_key is not null and not attached.is_ambiguous
                then attached.match_weight
            else coalesce(component_weights.match_weight, attached.match_weight)
        end as match_score,
        coalesce(attached.is_ambiguous, false) as is_ambiguous,
        attached.runner_up_weight,
        component_members.component_id,
        coalesce(component_members.is_component_unsettled, false) as is_component_unsettled
    from records
    left join attached on records.record_id = attached.record_id
    left join component_members on records.record_id = component_members.record_id
    left join component_weights on records.record_id = component_weights.record_id
)

select * from assigned
