{#- The cross-reference every other model resolves customers through: every source customer
    record (core cust_no, card holder_id, loan loan_cust_id) exactly once, with its customer_key
    and how it got there.
    customer_key is derived from the cluster's earliest member (earliest first_seen_date, then
    system and number): the same cluster gets the same key on every run and on a rebuild, and
    when two clusters merge the older one's key survives. Only what never changes orders the
    members: a relationship start moves when a card or contract with an older start arrives
    later, and ordering by it re-keyed a whole customer from one day to the next (seen at
    1,000,000 persons: its facts of the day before then pointed at no dim_customer row).
    match_rule: 'singleton' for a customer of one record, else the rule that linked the record
    ('id_exact', 'id_converted_15', 'other_cert', 'org_code', 'probabilistic'); 'ambiguous'
    marks a record kept apart because it matched two customers equally well. -#}
with clustered as (
    select * from {{ ref('int_customer_records_clustered') }}
),

records as (
    select * from {{ ref('int_customer_records_anchored') }}
),

members as (
    select
        clustered.*,
        records.first_seen_date,
        records.cert_quality,
        count(*) over (partition by clustered.cluster_id) as cluster_records,
        row_number() over (
            partition by clustered.cluster_id
            order by
                records.first_seen_date,
                clustered.source_system,
                clustered.source_customer_no
        ) as age_rank
    from clustered
    inner join records on clustered.record_id = records.record_id
),

keyed as (
    select
        members.*,
        first_value({{ customer_key_of('members.source_system', 'members.source_customer_no') }})
            over (partition by members.cluster_id order by members.age_rank)
            as customer_key
    from members
),

final as (
    select
        source_system,
        source_customer_no,
        customer_key,
        party_kind,
        case
            when link_rule = 'ambiguous' then 'ambiguous'
            when cluster_records = 1 then 'singleton'
            else link_rule
        end as match_rule,
        match_score,
        cluster_records,
        cert_quality,
        first_seen_date,
        {{ identity_biz_date() }} as biz_date
    from keyed
)

select * from final
