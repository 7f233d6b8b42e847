{#-
    The records each branch should fix at source, as of the business date being built: one row
    per source record (system and source customer number) and issue:
      - invalid_identity_number: a certificate number that fails its check (bad check
        character, impossible date, wrong length, letters, placeholder);
      - identity_number_15_digit: a first-generation 15-digit number to replace by 18 digits;
      - missing_identity_number: no certificate number (customers since the real-name rule);
      - prerealname_no_certificate: a relationship from before 1999-11-01 with no certificate
        or a placeholder;
      - no_mobile: the customer has no valid mobile in any system (each record listed);
      - conflict_mobile / conflict_address / conflict_birth_date / conflict_gender: the record
        disagrees with the golden record (or its birth date / gender contradicts its own
        identity number);
      - rm_unknown_staff: an RM assignment in force on the date names a staff id that is not in
        the staff master (its org_staff line was quarantined, or never delivered): the
        customer keeps the RM the source names, and the branch should correct one or the other.
    No personal values are carried, only what is wrong. The branch is the record's own
    (opening / issuing / booking) branch as of the date, a merged outlet under its survivor;
    without one, the customer's primary branch; without either, the head office.
    Rebuilt as a table each run (cost follows the number of customer records).
-#}
with records as (
    select * from {{ ref('int_customer_records_anchored') }}
),

xref as (
    select * from {{ ref('customer_xref') }}
),

golden as (
    select * from {{ ref('dim_customer') }}
),

branches as (
    select * from {{ ref('int_branches_daily') }}
    where biz_date = {{ current_biz_date() }}
),

head_office as (
    select min(branch_code) as branch_code from branches
    where branch_level = 1
),

customers as (
    select * from {{ ref('fct_customer_daily') }}
    where biz_date = {{ current_biz_date() }}
),

unknown_rm as (
    {#- per source customer record: the staff ids (sorted, first shown) of its assignments in
        force that the staff master does not know -#}
    select
        assignments.source_system,
        assignments.source_customer_no,
        min(assignments.rm_staff_id) as rm_staff_id,
        count(distinct assignments.rm_staff_id) as unknown_staff
    from {{ ref('dim_staff_customer_assignments') }} as assignments
    left join (select distinct staff_id from {{ ref('dim_staff') }}) as staff
        on assignments.rm_staff_id = staff.staff_id
    where
        assignments.is_in_force
        and assignments.rm_staff_id is not null
        and staff.staff_id is null
    group by assignments.source_system, assignments.source_customer_no
),

joined as (
    select
        records.*,
        xref.customer_key,
        golden.mobile as golden_mobile,
        golden.address as golden_address,
        golden.birth_date as golden_birth_date,
        golden.sex as golden_sex
    from records
    inner join xref
        on
            records.source_system = xref.source_system
            and records.source_customer_no = xref.source_customer_no
    left join golden on xref.customer_key = golden.customer_key
),

issues as (
    select
        *,
        'invalid_identity_number' as issue_kind,
        cert_quality as detail
    from joined
    where
        cert_quality in ('invalid_check', 'invalid_date', 'wrong_length', 'invalid_chars')
        or (cert_quality = 'placeholder' and not is_pre_realname)
    union all
    select
        *,
        'identity_number_15_digit' as issue_kind,
        cert_quality as detail
    from joined
    where cert_quality = 'converted_15'
    union all
    select
        *,
        'missing_identity_number' as issue_kind,
        cert_quality as detail
    from joined
    where cert_quality = 'missing' and not is_pre_realname
    union all
    select
        *,
        'prerealname_no_certificate' as issue_kind,
        cert_quality as detail
    from joined
    where cert_quality in ('missing', 'placeholder') and is_pre_realname
    union all
    select
        *,
        'no_mobile' as issue_kind,
        'no valid mobile in any system' as detail
    from joined
    where golden_mobile is null
    union all
    select
        *,
        'conflict_mobile' as issue_kind,
        'mobile differs from the golden record' as detail
    from joined
    where mobile is not null and golden_mobile is not null and mobile != golden_mobile
    union all
    select
        *,
        'conflict_address' as issue_kind,
        'address differs from the golden record' as detail
    from joined
    where address is not null and golden_address is not null and address != golden_address
    union all
    select
        *,
        'conflict_birth_date' as issue_kind,
        case
            when birth_date_typed != id_birth_date then 'birth date contradicts the identity number'
            else 'birth date differs from the golden record'
        end as detail
    from joined
    where birth_date_typed != coalesce(id_birth_date, golden_birth_date)
    union all
    select
        *,
        'conflict_gender' as issue_kind,
        case
            when gender_typed != id_sex then 'gender contradicts the identity number'
            else 'gender differs from the golden record'
        end as detail
    from joined
    where gender_typed in ('1', '2') and gender_typed != coalesce(id_sex, golden_sex)
    union all
    select
        joined.*,
        'rm_unknown_staff' as issue_kind,
        'RM assignment in force names staff ' || unknown_rm.rm_staff_id
        || case
            when unknown_rm.unknown_staff > 1
                then ' (and ' || cast(unknown_rm.unknown_staff - 1 as string) || ' more)'
            else ''
        end
        || ', not in the staff master' as detail
    from joined
    inner join unknown_rm
        on
            joined.source_system = unknown_rm.source_system
            and joined.source_customer_no = unknown_rm.source_customer_no
),

final as (
    select
        {{ current_biz_date() }} as biz_date,
        issues.source_system || ':' || issues.source_customer_no || ':' || issues.issue_kind
            as worklist_key,
        issues.source_system,
        issues.source_customer_no,
        issues.customer_key,
        issues.party_kind,
        issues.issue_kind,
        issues.detail,
        issues.cert_quality,
        issues.is_pre_realname,
        issues.open_branch as record_branch_code,
        case
            when own_branch.branch_code is not null then 'record'
            when customers.customer_key is not null then 'customer'
            else 'head_office'
        end as branch_basis,
        coalesce(own_branch.reporting_branch_code, customers.branch_code, head_office.branch_code)
            as branch_code,
    {%- for k in [1, 2, 3, 4, 5] %}
        case
            when own_branch.branch_code is not null then own_branch.reporting_l{{ k }}_code
            when customers.customer_key is not null then customers.branch_l{{ k }}_code
            {%- if k == 1 %}
                else head_office.branch_code
            {%- endif %}
        end as branch_l{{ k }}_code{{ ',' if not loop.last }}
    {%- endfor %}
    from issues
    cross join head_office
    left join branches as own_branch on issues.open_branch = own_branch.branch_code
    left join customers on issues.customer_key = customers.customer_key
)

select * from final
