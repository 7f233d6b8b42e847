{#- Published data-quality worklist (see models/serving/README.md): the system and source
    customer number a branch needs to fix the record, never the personal value; the customer
    key pseudonymised. Rebuilt each run like the mart. -#}
with mart as (
    select * from {{ ref('mart_data_quality_worklist') }}
)

select
    mart.biz_date,
    mart.worklist_key,
    mart.source_system,
    mart.source_customer_no,
    {{ pseudonymize('mart.customer_key') }} as customer_key,
    mart.party_kind,
    mart.issue_kind,
    mart.detail,
    mart.cert_quality,
    mart.is_pre_realname,
    mart.record_branch_code,
    mart.branch_basis,
    mart.branch_code,
    mart.branch_l1_code,
    mart.branch_l2_code,
    mart.branch_l3_code,
    mart.branch_l4_code,
    mart.branch_l5_code
from mart
