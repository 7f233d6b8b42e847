{#-
    Per branch (every level) and business date, how many of the branch's customers have each
    segmentation attribute in their golden record, and the share. Persons: sex, birth date,
    region, mobile, income, occupation, education, address; enterprises: industry, nature,
    scale, credit rating. Customers are those holding something on the date at their primary
    branch (fct_customer_daily); attributes are dim_customer's when the row is built.
    Incremental by biz_date.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
) }}
{%- set person_attributes = {
    'sex': 'golden.sex',
    'birth_date': 'golden.birth_date',
    'region': 'coalesce(golden.region_code, golden.address_district)',
    'mobile': 'golden.mobile',
    'income': 'golden.annual_income',
    'occupation': 'golden.occupation',
    'education': 'golden.education',
    'address': 'golden.address',
} %}
{%- set enterprise_attributes = {
    'industry': 'golden.industry_code',
    'ent_nature': 'golden.ent_nature',
    'ent_scale': 'golden.ent_scale',
    'credit_rating': 'golden.credit_rating',
} %}

with branches as (
    select * from {{ ref('int_branches_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

customers as (
    select * from {{ ref('fct_customer_daily') }}
    where {{ biz_date_filter('biz_date') }}
),

customer_rows as (
    select
        customers.biz_date,
        {{ branch_code_columns('customers.') }},
        case when golden.party_kind = 'P' then 1 else 0 end as persons,
        case when golden.party_kind = 'E' then 1 else 0 end as enterprises,
        {%- for name, expr in person_attributes.items() %}
            case when golden.party_kind = 'P' and {{ expr }} is not null then 1 else 0 end
                as persons_with_{{ name }},
        {%- endfor %}
        {%- for name, expr in enterprise_attributes.items() %}
            case when golden.party_kind = 'E' and {{ expr }} is not null then 1 else 0 end
                as enterprises_with_{{ name }},
        {%- endfor %}
        coalesce(golden.completeness_score, 0) as completeness_score
    from customers
    left join {{ ref('dim_customer') }} as golden
        on customers.customer_key = golden.customer_key
),

{%- set sums = {'persons': 'persons', 'enterprises': 'enterprises',
    'completeness_score_sum': 'case when persons = 1 then completeness_score else 0 end'} %}
{%- for name in person_attributes.keys() %}
    {%- do sums.update({'persons_with_' ~ name: 'persons_with_' ~ name}) %}
{%- endfor %}
{%- for name in enterprise_attributes.keys() %}
    {%- do sums.update({'enterprises_with_' ~ name: 'enterprises_with_' ~ name}) %}
{%- endfor %}

totals as (
    {{ rollup_to_branch_levels('customer_rows', sums) }}
),

final as (
    select
        branches.biz_date,
        branches.branch_code,
        branches.branch_level,
        branches.parent_code,
        cast(coalesce(totals.persons, 0) as bigint) as persons,
        cast(coalesce(totals.enterprises, 0) as bigint) as enterprises,
        {%- for name in person_attributes.keys() %}
            cast(coalesce(totals.persons_with_{{ name }}, 0) as bigint) as persons_with_{{ name }},
            case
                when totals.persons > 0
                    then
                        cast(
                            round(totals.persons_with_{{ name }} / totals.persons, 4) as decimal(
                                9, 4
                            )
                        )
            end as share_with_{{ name }},
        {%- endfor %}
        {%- for name in enterprise_attributes.keys() %}
            cast(coalesce(totals.enterprises_with_{{ name }}, 0) as bigint)
                as enterprises_with_{{ name }},
            case
                when totals.enterprises > 0
                    then
                        cast(
                            round(
                                totals.enterprises_with_{{ name }} / totals.enterprises, 4
                            ) as decimal(9, 4)
                        )
            end as share_with_{{ name }},
        {%- endfor %}
        case
            when totals.persons > 0
                then cast(round(totals.completeness_score_sum / totals.persons, 4) as decimal(9, 4))
        end as avg_person_completeness,
        {{ branch_code_columns('branches.') }}
    from branches
    left join totals
        on
            branches.biz_date = totals.biz_date
            and branches.branch_level = totals.branch_level
            and branches.branch_code = totals.branch_code
)

select * from final
