{#- Probabilistic stage, step 2, and the clusters: every record with the cluster it belongs to.
    - Anchored records: their anchor (deterministic stage).
    - An unanchored record scoring at least var('identity_match_threshold') bits against
      records of exactly one anchored cluster joins it. Against two or more anchored clusters
      it joins the best only when that one beats the runner-up by at least
      var('identity_ambiguity_margin') bits; otherwise it is ambiguous and joins none (a false
      merge shows one customer another's money).
    - Unanchored, non-ambiguous records above the threshold with each other form connected
      components (min-label propagation by recursive CTE). A component whose attached members
      all joined the same anchored cluster joins it whole; otherwise each member keeps its own
      attachment and the unattached members form a cluster of their own.
    A link also needs corroboration beyond name and birth date: the same mobile, the same
    address or a (nearly) equal identity number. At a million customers, namesakes born the
    same day in the same district exist; their contact data tells them apart.
    Hard negative by construction: anchors are never merged with each other, so two different
    valid identity numbers (or organization codes) are never in one cluster. -#}
{%- set threshold = var('identity_match_threshold', 18) -%}
{%- set margin = var('identity_ambiguity_margin', 10) -%}

with recursive records as (
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

reach (record_id, label) as (
    select distinct
        record_id,
        record_id as label
    from edges
    union
    select
        edges.other_record_id as record_id,
        reach.label
    from reach
    inner join edges on reach.record_id = edges.record_id
),

components as (
    select
        record_id,
        min(label) as component_id
    from reach
    group by record_id
),

component_anchors as (
    select
        components.component_id,
        count(distinct attached.anchor_key) as anchors,
        min(attached.anchor_key) as anchor_key
    from components
    inner join attached
        on components.record_id = attached.record_id and not attached.is_ambiguous
    group by components.component_id
),

component_weights as (
    select
        components.record_id,
        max(free_edges.match_weight) as match_weight
    from components
    inner join free_edges
        on
            components.record_id = free_edges.record_id
            or components.record_id = free_edges.other_record_id
    group by components.record_id
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
            when component_anchors.anchors = 1 and not coalesce(attached.is_ambiguous, false)
                then component_anchors.anchor_key
            when components.component_id is not null then 'U' || components.component_id
            else 'S' || records.record_id
        end as cluster_id,
        case
            when records.anchor_key is not null then records.anchor_rule
            when attached.is_ambiguous then 'ambiguous'
            when
                attached.anchor_key is not null
                or component_anchors.anchors = 1
                or components.component_id is not null
                then 'probabilistic'
        end as link_rule,
        case
            when records.anchor_key is not null then null
            when attached.anchor_key is not null and not attached.is_ambiguous
                then attached.match_weight
            else coalesce(component_weights.match_weight, attached.match_weight)
        end as match_score,
        coalesce(attached.is_ambiguous, false) as is_ambiguous,
        attached.runner_up_weight
    from records
    left join attached on records.record_id = attached.record_id
    left join components on records.record_id = components.record_id
    left join component_anchors on components.component_id = component_anchors.component_id
    left join component_weights on records.record_id = component_weights.record_id
)

select * from assigned
