{#-
    Staff with history: one row per version of a staff member (valid_from..valid_to, business
    dates inclusive; 9999-12-31 while current): role (RM relationship manager, TLR, MGR, OPS),
    status, and the branch they work at with its reporting level codes, so a relationship
    manager's move between outlets is dated. Names are personal data and stay in staging.
-#}
{%- set tracked = ['role', 'status', 'hire_date', 'booking_branch_code', 'branch_code',
    'branch_l1_code', 'branch_l2_code', 'branch_l3_code', 'branch_l4_code', 'branch_l5_code'] %}

with daily as (
    select
        *,
        md5(concat_ws(
            '|',
            {%- for c in tracked %}
                coalesce(cast({{ c }} as string), '~'){{ ',' if not loop.last }}
            {%- endfor %}
        )) as attributes_hash
    from {{ ref('int_staff_daily') }}
),

changes as (
    select
        *,
        case
            when
                lag(attributes_hash) over (partition by staff_id order by biz_date)
                = attributes_hash
                and lag(biz_date) over (partition by staff_id order by biz_date)
                = biz_date - interval 1 day
                then 0
            else 1
        end as is_new_version
    from daily
),

versioned as (
    select
        *,
        sum(is_new_version) over (
            partition by staff_id order by biz_date rows unbounded preceding
        ) as version_no
    from changes
),

latest as (
    select max(biz_date) as latest_biz_date from daily
),

versions as (
    select
        staff_id,
        version_no,
        min(biz_date) as valid_from,
        max(biz_date) as last_seen
    from versioned
    group by staff_id, version_no
),

final as (
    select
        {{ version_key('versions.staff_id', 'versions.valid_from') }} as staff_version_key,
        versions.staff_id,
        versioned.role,
        versioned.role = 'RM' as is_relationship_manager,
        versioned.status,
        versioned.hire_date,
        versioned.booking_branch_code as staff_branch_code,
        versioned.branch_code,
        versioned.branch_l1_code,
        versioned.branch_l2_code,
        versioned.branch_l3_code,
        versioned.branch_l4_code,
        versioned.branch_l5_code,
        versions.valid_from,
        case
            when versions.last_seen = latest.latest_biz_date then cast('9999-12-31' as date)
            else versions.last_seen
        end as valid_to,
        versions.last_seen = latest.latest_biz_date as is_current
    from versions
    inner join versioned
        on
            versions.staff_id = versioned.staff_id
            and versions.valid_from = versioned.biz_date
    cross join latest
)

select * from final
