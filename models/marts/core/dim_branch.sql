{#-
    Branches with history: one row per version of a branch (valid_from..valid_to, business
    dates, inclusive), each with the codes and names of its ancestors at levels 1-5 and the
    branch its business reports under (itself, or the survivor of a merge) with that branch's
    five level codes. A version changes when anything of the branch or of its ancestry changes
    (re-parenting, merge, closure, a renamed ancestor), so "as of D" is
    valid_from <= D <= valid_to. Built from int_branches_daily (small: branches x dates).
-#}
{%- set levels = [1, 2, 3, 4, 5] %}
{%- set tracked = ['branch_name', 'branch_level', 'parent_code', 'region_code', 'open_date',
    'status', 'merged_into', 'reporting_branch_code'] %}
{%- for k in levels %}
    {%- do tracked.extend(['branch_l' ~ k ~ '_code', 'branch_l' ~ k ~ '_name',
        'reporting_l' ~ k ~ '_code']) %}
{%- endfor %}

with daily as (
    select
        *,
        md5(concat_ws(
            '|',
            {%- for c in tracked %}
                coalesce(cast({{ c }} as string), '~'){{ ',' if not loop.last }}
            {%- endfor %}
        )) as attributes_hash
    from {{ ref('int_branches_daily') }}
),

changes as (
    select
        *,
        case
            when
                lag(attributes_hash) over (partition by branch_code order by biz_date)
                = attributes_hash
                and lag(biz_date) over (partition by branch_code order by biz_date)
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
            partition by branch_code order by biz_date rows unbounded preceding
        ) as version_no
    from changes
),

latest as (
    select max(biz_date) as latest_biz_date from daily
),

versions as (
    select
        versioned.branch_code,
        versioned.version_no,
        min(versioned.biz_date) as valid_from,
        max(versioned.biz_date) as last_seen
    from versioned
    group by versioned.branch_code, versioned.version_no
),

final as (
    select
        {{ version_key('versions.branch_code', 'versions.valid_from') }} as branch_version_key,
        versions.branch_code,
        versioned.branch_name,
        versioned.branch_level,
        versioned.parent_code,
        versioned.region_code,
        versioned.open_date,
        versioned.status,
        versioned.merged_into,
        {%- for k in levels %}
            versioned.branch_l{{ k }}_code,
            versioned.branch_l{{ k }}_name,
        {%- endfor %}
        versioned.reporting_branch_code,
        {%- for k in levels %}
            versioned.reporting_l{{ k }}_code,
        {%- endfor %}
        versions.valid_from,
        case
            when versions.last_seen = latest.latest_biz_date then cast('9999-12-31' as date)
            else versions.last_seen
        end as valid_to,
        versions.last_seen = latest.latest_biz_date as is_current
    from versions
    inner join versioned
        on
            versions.branch_code = versioned.branch_code
            and versions.valid_from = versioned.biz_date
    cross join latest
)

select * from final
