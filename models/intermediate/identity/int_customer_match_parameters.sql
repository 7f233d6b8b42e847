{#- Fellegi-Sunter parameters of the probabilistic stage, estimated from the data of the day:
      u = P(level | two different customers), from pseudo-random record pairs (records hashed
          into groups so that about var('identity_u_sample_pairs', 1000000) pairs are compared
          whatever the bank's size);
      m = P(level | the same customer), from the pairs the deterministic stage already proved
          (records sharing a valid identity number or organization code).
    Both with a +0.5 (Jeffreys) smoothing so an unseen level keeps a finite weight. Two
    documented adjustments: the identity-number levels cannot be learnt from anchored pairs
    (their numbers are equal by construction), so their m is a fixed prior (first 17 equal 0.60,
    one edit apart 0.30, otherwise 0.10); and a disagreement's m is floored at 0.05 (a name's at
    0.01: people rarely change names; a partial agreement's at 0.02) because records without a usable number disagree with their twin more
    often than anchored ones do (old, hand-keyed records). weight = log2(m / u), in bits.
    Exact name and birth-date agreement are further adjusted by term frequency in
    int_customer_pairs_scored (张伟 agreeing says less than a rare name). -#}
{%- set levels = {
    'name': ['exact', 'variant', 'one_char', 'other'],
    'birth': ['exact', 'close', 'other'],
    'sex': ['exact', 'other'],
    'mobile': ['exact', 'other'],
    'address': ['exact', 'district', 'other'],
    'id': ['first17', 'near', 'other'],
} -%}
{%- set id_m = {'first17': 0.60, 'near': 0.30, 'other': 0.10} -%}
{%- set sample_pairs = var('identity_u_sample_pairs', 1000000) | int -%}

with records as (
    select * from {{ ref('int_customer_records_anchored') }}
),

numbered as (
    select
        *,
        row_number() over (partition by party_kind order by md5(record_id)) as pair_rn,
        count(*) over (partition by party_kind) as kind_records
    from records
),

grouped as (
    select
        *,
        mod(
            pair_rn,
            cast(
                greatest(1, ceil(kind_records * kind_records / {{ 2 * sample_pairs }}.0)) as bigint
            )
        )
            as pair_group
    from numbered
),

random_pairs as (
    select
        l.party_kind,
        {{ comparison_levels('l', 'r') }}
    from grouped as l
    inner join grouped as r
        on
            l.party_kind = r.party_kind
            and l.pair_group = r.pair_group
            and l.pair_rn < r.pair_rn
),

proven_pairs as (
    select
        l.party_kind,
        {{ comparison_levels('l', 'r') }}
    from records as l
    inner join records as r
        on
            l.anchor_key = r.anchor_key
            and l.record_id < r.record_id
),

level_grid as (
    {%- for comparison, names in levels.items() %}
        {%- for level in names %}
            select
                kinds.party_kind,
                '{{ comparison }}' as comparison,
                '{{ level }}' as comparison_level,
                {{ names | length }} as level_count
            from (select distinct party_kind from records) as kinds
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

{%- for sample in ['random', 'proven'] %}

    {#- One pass over the pairs for every comparison (grouping sets): in each grouping only
        that comparison's level is set, the others are NULL. #}
    {{ sample }}_grouped as (
        select
            party_kind,
            {%- for comparison in levels %}
                {{ comparison }}_level,
            {%- endfor %}
            count(*) as pairs
        from {{ sample }}_pairs
        group by grouping sets (
            {%- for comparison in levels %}
                (party_kind, {{ comparison }}_level){{ ',' if not loop.last }}
            {%- endfor %}
        )
    ),

    {{ sample }}_counts as (
        select
            party_kind,
            case
                {%- for comparison in levels %}
                    when {{ comparison }}_level is not null then '{{ comparison }}'
                {%- endfor %}
            end as comparison,
            coalesce(
                {%- for comparison in levels %}
                    {{ comparison }}_level{{ ',' if not loop.last }}
                {%- endfor %}
            ) as comparison_level,
            pairs
        from {{ sample }}_grouped
        where
            coalesce(
                {%- for comparison in levels %}
                    {{ comparison }}_level{{ ',' if not loop.last }}
                {%- endfor %}
            ) != 'null'
    ),
{%- endfor %}

estimated as (
    select
        level_grid.party_kind,
        level_grid.comparison,
        level_grid.comparison_level,
        coalesce(proven.pairs, 0) as proven_pairs,
        coalesce(random.pairs, 0) as random_pairs,
        (cast(coalesce(proven.pairs, 0) as double) + 0.5) / (
            sum(coalesce(proven.pairs, 0)) over (
                partition by level_grid.party_kind, level_grid.comparison
            ) + 0.5 * level_grid.level_count
        ) as m_estimated,
        (cast(coalesce(random.pairs, 0) as double) + 0.5) / (
            sum(coalesce(random.pairs, 0)) over (
                partition by level_grid.party_kind, level_grid.comparison
            ) + 0.5 * level_grid.level_count
        ) as u_probability
    from level_grid
    left join proven_counts as proven
        on
            level_grid.party_kind = proven.party_kind
            and level_grid.comparison = proven.comparison
            and level_grid.comparison_level = proven.comparison_level
    left join random_counts as random
        on
            level_grid.party_kind = random.party_kind
            and level_grid.comparison = random.comparison
            and level_grid.comparison_level = random.comparison_level
),

adjusted as (
    select
        party_kind,
        comparison,
        comparison_level,
        proven_pairs,
        random_pairs,
        u_probability,
        case
            {%- for level, m in id_m.items() %}
                when comparison = 'id' and comparison_level = '{{ level }}' then {{ m }}
            {%- endfor %}
            when comparison = 'name' and comparison_level = 'other'
                then greatest(m_estimated, 0.01)
            when comparison_level = 'other' then greatest(m_estimated, 0.05)
            when comparison_level != 'exact' then greatest(m_estimated, 0.02)
            else m_estimated
        end as m_probability
    from estimated
),

final as (
    select
        *,
        ln(m_probability / u_probability) / ln(2) as match_weight
    from adjusted
)

select * from final
