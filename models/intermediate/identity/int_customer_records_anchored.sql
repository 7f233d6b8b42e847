{#- Deterministic stage of identity resolution: each customer record with the identifier that
    links it for certain, when it has one (its anchor):
      persons      'R' + the valid 18-character resident id (also when converted from 15 digits)
                   'C' + certificate type + number for other person certificates (passports...)
      enterprises  'O' + the organization code (from a valid USCC, positions 9-17, or a valid
                   organization code with or without hyphen), so the two forms meet.
    Records sharing an anchor are one customer, inside one system or across systems. Records
    without an anchor go to the probabilistic stage. -#}
with records as (
    select * from {{ ref('int_customer_records') }}
),

anchored as (
    select
        *,
        source_system || ':' || source_customer_no as record_id,
        case
            when party_kind = 'P' and resident_id is not null then 'R' || resident_id
            when party_kind = 'P' and cert_quality = 'other_cert_type'
                then 'C' || cert_type || ':' || cert_no_normalized
            when party_kind = 'E' and org_code is not null then 'O' || org_code
        end as anchor_key,
        case
            when party_kind = 'P' and resident_id is not null and cert_quality = 'converted_15'
                then 'id_converted_15'
            when party_kind = 'P' and resident_id is not null then 'id_exact'
            when party_kind = 'P' and cert_quality = 'other_cert_type' then 'other_cert'
            when party_kind = 'E' and org_code is not null then 'org_code'
        end as anchor_rule
    from records
)

select * from anchored
