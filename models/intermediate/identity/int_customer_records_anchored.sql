{#- Deterministic stage of identity resolution: each customer record with the identifier that
    links it for certain, when it has one (its anchor):
      persons      'R' + the valid 18-character resident id (also when converted from 15 digits)
                   'C' + certificate type + number for other person certificates (passports...)
      enterprises  'O' + the organization code (from a valid USCC, positions 9-17, or a valid
                   organization code with or without hyphen), so the two forms meet.
    Records sharing an anchor are one customer, inside one system or across systems, provided
    their names are compatible: equal after mapping every character to its simplified form
    (張伟 = 张伟) or to its pinyin (王婧 = 王静, a homophone typo), or one given-name character
    apart in names of three or more characters; enterprises within a few edits. The same valid number under an unrelated name is a keying
    error, not a person: such records split into one anchored cluster per name group
    (anchor_cluster = anchor + '#' + the group's smallest name, has_id_name_conflict TRUE).
    Records without an anchor go to the probabilistic stage.
    Incremental on DuckDB: a nightly run recomputes the records that differ from the ones it
    holds (int_customer_records follows the night's changes) and every record sharing an anchor
    with one of them, before or after the change (an anchor's name groups depend on all its
    names); the rest keep their rows. A record it holds that int_customer_records no longer has
    fails the run (rebuild with --full-refresh). A changed han_characters seed changes name keys
    of records that did not change: rebuild this model with --full-refresh after it. Spark
    builds the table whole. -#}
{{ config(
    materialized=incremental_on_duckdb(),
    incremental_strategy='delete+insert',
    unique_key=['source_system', 'source_customer_no'],
    on_schema_change='fail',
) }}

{%- set incremental = is_incremental() %}
{%- set derived = [
    'name_simplified', 'name_pinyin', 'record_id', 'anchor_key', 'anchor_rule',
    'has_id_name_conflict', 'anchor_cluster',
] %}

with all_records as (
    select * from {{ ref('int_customer_records') }}
),
{%- if incremental %}

    changed_keys as (
        {#- records whose row differs from the one held (new ones included); DuckDB only -#}
        select
            source_system,
            source_customer_no
        from (
            select * from all_records
            except
            select * exclude ({{ derived | join(', ') }}) from {{ this }}
        )
    ),

    affected_anchors as (
        select {{ record_anchor_key('all_records') }} as anchor_key
        from all_records
        where {{ is_changed_record('all_records.source_system', 'all_records.source_customer_no') }}
        union
        select held.anchor_key
        from {{ this }} as held
        where {{ is_changed_record('held.source_system', 'held.source_customer_no') }}
    ),
{%- endif %}

records as (
    select * from all_records
    {%- if incremental %}
        where
            {{ is_changed_record('all_records.source_system', 'all_records.source_customer_no') }}
            or {{ record_anchor_key('all_records') }} in (
                select affected_anchors.anchor_key from affected_anchors
            )
    {%- endif %}
),

han as (
    select * from {{ ref('han_characters') }}
),

person_names as (
    select distinct name_normalized
    from records
    where party_kind = 'P' and name_normalized is not null
),

name_positions as (
    select
        name_normalized,
        {{ char_positions('name_normalized') }} as char_pos
    from person_names
),

name_keys as (
    {#- Each distinct person name character by character through han_characters: the
        simplified spelling and the pinyin key (characters not in the table kept as keyed). -#}
    select
        name_positions.name_normalized,
        {{ ordered_string_agg(
            "coalesce(han.simplified_char, substr(name_positions.name_normalized, "
            ~ "name_positions.char_pos, 1))", '', 'name_positions.char_pos'
        ) }} as name_simplified,
        {{ ordered_string_agg(
            "coalesce(han.pinyin, substr(name_positions.name_normalized, "
            ~ "name_positions.char_pos, 1))", ' ', 'name_positions.char_pos'
        ) }} as name_pinyin
    from name_positions
    left join han
        on substr(name_positions.name_normalized, name_positions.char_pos, 1) = han.han_char
    group by name_positions.name_normalized
),

anchored as (
    select
        records.*,
        name_keys.name_simplified,
        name_keys.name_pinyin,
        records.source_system || ':' || records.source_customer_no as record_id,
        {{ record_anchor_key('records') }} as anchor_key,
        case
            when
                records.party_kind = 'P'
                and records.resident_id is not null
                and records.cert_quality = 'converted_15'
                then 'id_converted_15'
            when records.party_kind = 'P' and records.resident_id is not null then 'id_exact'
            when records.party_kind = 'P' and records.cert_quality = 'other_cert_type'
                then 'other_cert'
            when records.party_kind = 'E' and records.org_code is not null then 'org_code'
        end as anchor_rule
    from records
    left join name_keys
        on records.party_kind = 'P' and records.name_normalized = name_keys.name_normalized
),

anchor_names as (
    select distinct
        anchor_key,
        party_kind,
        name_normalized,
        name_simplified,
        name_pinyin
    from anchored
    where anchor_key is not null and name_normalized is not null
),

multi_name_anchors as (
    select anchor_key
    from anchor_names
    group by anchor_key
    having count(*) > 1
),

name_edges as (
    select
        l.anchor_key,
        l.name_normalized,
        r.name_normalized as other_name
    from anchor_names as l
    inner join multi_name_anchors as m on l.anchor_key = m.anchor_key
    inner join anchor_names as r
        on
            l.anchor_key = r.anchor_key
            and (
                l.name_normalized = r.name_normalized
                or l.name_simplified = r.name_simplified
                or l.name_pinyin = r.name_pinyin
                or {{ names_one_edit_apart('l', 'r') }}
                or (
                    l.party_kind = 'E'
                    and {{ edit_distance('l.name_normalized', 'r.name_normalized') }}
                    <= greatest(2, length(l.name_normalized) / 4)
                )
            )
),

{%- for step in range(1, 4) %}

    name_labels_{{ step }} as (
        select
            name_edges.anchor_key,
            name_edges.name_normalized,
            min(
                {%- if step == 1 %} name_edges.other_name
                {%- else %} previous.name_label
                {%- endif %}
            ) as name_label
        from
            name_edges
        {%- if step > 1 %}
            inner join name_labels_{{ step - 1 }} as previous
                on
                    name_edges.anchor_key = previous.anchor_key
                    and name_edges.other_name = previous.name_normalized
        {%- endif %}
        group by name_edges.anchor_key, name_edges.name_normalized
    ),
{%- endfor %}

name_groups as (
    select
        anchor_key,
        name_normalized,
        name_label,
        {{ count_distinct_over('name_label', 'anchor_key') }} as name_group_count
    from name_labels_3
),

final as (
    select
        anchored.*,
        coalesce(name_groups.name_group_count > 1, false) as has_id_name_conflict,
        case
            when name_groups.name_group_count > 1
                then anchored.anchor_key || '#' || name_groups.name_label
            else anchored.anchor_key
        end as anchor_cluster
    from anchored
    left join name_groups
        on
            anchored.anchor_key = name_groups.anchor_key
            and anchored.name_normalized = name_groups.name_normalized
)

select * from final
{%- if incremental %}
    where coalesce((
        select
            error(
                'int_customer_records_anchored: ' || count(*) || ' record(s) held, e.g. '
                || min(held.record_id) || ', are no longer in int_customer_records: '
                || 'rebuild with --full-refresh'
            )
        from {{ this }} as held
        where
            not exists (
                select 1 from all_records
                where
                    all_records.source_system = held.source_system
                    and all_records.source_customer_no = held.source_customer_no
            )
        having count(*) > 0
    ), true)
{%- endif %}
