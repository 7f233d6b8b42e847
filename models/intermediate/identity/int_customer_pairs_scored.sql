{#- Probabilistic stage, step 1: candidate pairs and their Fellegi-Sunter match weight.
    Only records without an anchor (no valid identity number or organization code) are
    matched; each is paired with every record, anchored or not, that shares a blocking key:
      nb  normalised name + birth date         m   mobile
      ad  address (exact)                      id  first 10 characters of the 15-character
      en  enterprise name (enterprises)            form of the identity number (region, YYMM)
    Blocks larger than var('identity_block_cap', 50) are dropped (a shared switchboard number,
    a placeholder address, 张伟 born on 1 January): their members still meet through their other
    keys. Birth date and sex count nothing when the identity numbers are (nearly) equal: the
    number already encodes them (no double counting). A pair of two unanchored records is kept once (left < right); an unanchored record
    paired with an anchored one has the unanchored record on the left. -#}
{%- set block_cap = var('identity_block_cap', 50) -%}

with records as (
    select * from {{ ref('int_customer_records_anchored') }}
),

parameters as (
    select * from {{ ref('int_customer_match_parameters') }}
),

block_keys as (
    select
        record_id,
        party_kind,
        anchor_key,
        'nb' as block_kind,
        name_normalized || '|' || cast(birth_date as string) as block_key
    from records
    where party_kind = 'P' and name_normalized is not null and birth_date is not null
    union all
    select
        record_id,
        party_kind,
        anchor_key,
        'm' as block_kind,
        mobile as block_key
    from records
    where mobile is not null
    union all
    select
        record_id,
        party_kind,
        anchor_key,
        'ad' as block_kind,
        address as block_key
    from records
    where address is not null
    union all
    select
        record_id,
        party_kind,
        anchor_key,
        'id' as block_kind,
        left(cert_15_form, 10) as block_key
    from records
    where cert_15_form is not null and length(cert_15_form) >= 12
    union all
    select
        record_id,
        party_kind,
        anchor_key,
        'en' as block_kind,
        name_normalized as block_key
    from records
    where party_kind = 'E' and name_normalized is not null
),

blocks as (
    select
        party_kind,
        block_kind,
        block_key
    from block_keys
    group by party_kind, block_kind, block_key
    having
        count(*) between 2 and {{ block_cap }}
        and sum(case when anchor_key is null then 1 else 0 end) > 0
),

keyed as (
    select block_keys.*
    from block_keys
    inner join blocks
        on
            block_keys.party_kind = blocks.party_kind
            and block_keys.block_kind = blocks.block_kind
            and block_keys.block_key = blocks.block_key
),

candidate_pairs as (
    select distinct
        l.record_id as left_record_id,
        r.record_id as right_record_id
    from keyed as l
    inner join keyed as r
        on
            l.party_kind = r.party_kind
            and l.block_kind = r.block_kind
            and l.block_key = r.block_key
            and l.record_id != r.record_id
    where
        l.anchor_key is null
        and (r.anchor_key is not null or l.record_id < r.record_id)
),

compared as (
    select
        pairs.left_record_id,
        pairs.right_record_id,
        l.party_kind,
        r.anchor_cluster as right_anchor_key,
        {{ comparison_levels('l', 'r') }}
    from candidate_pairs as pairs
    inner join records as l on pairs.left_record_id = l.record_id
    inner join records as r on pairs.right_record_id = r.record_id
),

name_frequency as (
    {#- Term frequencies: the share of the party kind's records holding a name or birth date. An
        exact agreement on a value is worth log2(m / tf) instead of log2(m / u) when the value is
        more common than average (Splink's term-frequency adjustment, never raising a weight). -#}
    select
        party_kind,
        name_normalized,
        cast(count(*) as double) / sum(count(*)) over (partition by party_kind) as tf
    from records
    where name_normalized is not null
    group by party_kind, name_normalized
),

birth_frequency as (
    select
        party_kind,
        birth_date,
        cast(count(*) as double) / sum(count(*)) over (partition by party_kind) as tf
    from records
    where birth_date is not null
    group by party_kind, birth_date
),

levelled as (
    select
        compared.*,
        name_frequency.tf as name_tf,
        birth_frequency.tf as birth_tf
    from compared
    left join records as l on compared.left_record_id = l.record_id
    left join name_frequency
        on
            compared.name_level = 'exact'
            and l.party_kind = name_frequency.party_kind
            and l.name_normalized = name_frequency.name_normalized
    left join birth_frequency
        on
            compared.birth_level = 'exact'
            and l.party_kind = birth_frequency.party_kind
            and l.birth_date = birth_frequency.birth_date
),

component_weights as (
    select
        levelled.*,
        {%- for comparison in comparison_names() %}
            {%- if comparison in ('name', 'birth', 'sex') %}
                case
                    {%- if comparison in ('birth', 'sex') %}
                        when levelled.id_level in ('first17', 'near') then 0
                    {%- endif %}
                    {%- if comparison in ('name', 'birth') %}
                        when levelled.{{ comparison }}_tf > w_{{ comparison }}.u_probability
                            then
                                ln(w_{{ comparison }}.m_probability / levelled.{{ comparison }}_tf)
                                / ln(2)
                    {%- endif %}
                    else coalesce(w_{{ comparison }}.match_weight, 0)
                end as {{ comparison }}_weight
            {%- else %}
                coalesce(w_{{ comparison }}.match_weight, 0) as {{ comparison }}_weight
            {%- endif %}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from
        levelled
    {%- for comparison in comparison_names() %}
        left join parameters as w_{{ comparison }}
            on
                levelled.party_kind = w_{{ comparison }}.party_kind
                and w_{{ comparison }}.comparison = '{{ comparison }}'
                and levelled.{{ comparison }}_level = w_{{ comparison }}.comparison_level
    {%- endfor %}
),

weighted as (
    select
        *,
        {% for comparison in comparison_names() -%}
            {{ comparison }}_weight
            {%- if not loop.last %} + {% endif %}
        {%- endfor %} as match_weight
    from component_weights
)

select * from weighted
