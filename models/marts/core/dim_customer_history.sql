{#- Attribute history of the golden record by business date (type-2): one row per customer and
    version, valid_from .. valid_to inclusive (NULL while current). Each daily run at T compares
    dim_customer at T with the version in force at T-1: a customer whose tracked attributes
    changed gets its old version closed at T-1 and a new one from T; a customer that
    disappeared (merged into another key) has its version closed at T-1; a new customer opens
    at T. Only rows whose valid_to changes are rewritten (delete+insert on customer_key,
    valid_from), so a rerun of T is idempotent and a backfill run date by date gives the same
    history as the daily runs.
    full_refresh=false: like a dbt snapshot, this history records what the golden record was
    on each past date and cannot be recomputed from today's data, so a --full-refresh (the
    orchestrator's rebuild after a re-delivery) runs it incrementally at T instead of erasing
    it; mart_customer_360's month-end rows read their attributes from it. To restart it, drop
    the table (also after adding a tracked attribute: a --full-refresh cannot add it). -#}
{{ config(
    materialized='incremental',
    incremental_strategy=history_incremental_strategy(),
    unique_key=['customer_key', 'valid_from'],
    on_schema_change='fail',
    full_refresh=false,
) }}
{%- set tracked = [
    'party_kind', 'customer_name', 'resident_id', 'uscc', 'org_code', 'identity_quality',
    'birth_date', 'sex', 'region_code', 'mobile', 'address', 'annual_income', 'income_source',
    'occupation', 'education', 'industry_code', 'ent_nature', 'ent_scale', 'credit_rating',
    'legal_rep_customer_key', 'has_mobile_conflict', 'has_address_conflict',
    'has_birth_date_conflict', 'has_gender_conflict', 'is_pre_realname', 'completeness_score',
    'source_records', 'address_district', 'first_seen_date', 'relationship_start_date',
] -%}

with current_version as (
    select
        customer_key,
        {% for column in tracked -%}
            {{ column }},
        {% endfor -%}
        md5(
            {%- for column in tracked %}
                coalesce(cast({{ column }} as string), '~')
                {%- if not loop.last %} || '|' ||{% endif %}
            {%- endfor %}
        ) as attributes_hash
    from {{ ref('dim_customer') }}
),

{% if is_incremental() %}
    in_force as (
        {#- the version in force at T-1 (valid_to NULL, or closed at T-1 by an earlier run of T) -#}
        select * from {{ this }}
        where
            valid_from < {{ identity_biz_date() }}
            and coalesce(valid_to, date '9999-12-31')
            >= {{ days_before(identity_biz_date(), 1) }}
    ),
{% else %}
    in_force as (
        select
            *,
            cast(null as date) as valid_from,
            cast(null as date) as valid_to
        from current_version
        where false
    ),
{% endif %}

compared as (
    select
        coalesce(current_version.customer_key, in_force.customer_key) as customer_key,
        current_version.customer_key is not null as is_current,
        in_force.customer_key is not null as was_in_force,
        coalesce(current_version.attributes_hash = in_force.attributes_hash, false) as unchanged
    from current_version
    full outer join in_force on current_version.customer_key = in_force.customer_key
),

new_versions as (
    select
        current_version.customer_key,
        {% for column in tracked -%}
            current_version.{{ column }},
        {% endfor -%}
        current_version.attributes_hash,
        {{ identity_biz_date() }} as valid_from,
        cast(null as date) as valid_to
    from current_version
    inner join compared on current_version.customer_key = compared.customer_key
    where not compared.unchanged
),

rewritten_versions as (
    select
        in_force.customer_key,
        {% for column in tracked -%}
            in_force.{{ column }},
        {% endfor -%}
        in_force.attributes_hash,
        in_force.valid_from,
        case
            when compared.unchanged then cast(null as date)
            else {{ days_before(identity_biz_date(), 1) }}
        end as valid_to
    from in_force
    inner join compared on in_force.customer_key = compared.customer_key
    where
        (compared.unchanged and in_force.valid_to is not null)
        or (not compared.unchanged and in_force.valid_to is null)
)

select * from new_versions
union all
select * from rewritten_versions
