{#- Every delivered chan_consent row (EVENT), typed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    partition_by=['biz_date'],
    on_schema_change='fail',
) }}
{%- set checks = [
    {'column': 'event_id', 'rule': 'required'},
    {'column': 'event_ts', 'rule': 'timestamp', 'required': true},
] -%}

with source as (
    select * from {{ staging_lake_source('chan', 'chan_consent') }}
),

cleaned as (
    select
        {{ clean_code('source.event_id') }} as event_id,
        lower({{ clean_code('source.source_system') }}) as source_system,
        {{ clean_code('source.source_cust_no') }} as source_cust_no,
        upper({{ clean_code('source.purpose') }}) as purpose,
        upper({{ clean_code('source.action') }}) as action,
        {{ to_timestamp_local('source.event_ts') }} as event_ts,
        upper({{ clean_code('source.channel') }}) as channel,
        ---------- lineage
        {{ lake_lineage('source') }},
        {{ staging_rejects(checks, 'source') }} as _rejects
    from source
),

renamed as (
    select
        *,
        {{ code_is_valid('source_system', 'source_system') }} as source_system_is_valid,
        {{ code_is_valid('purpose', 'consent_purpose') }} as purpose_is_valid,
        {{ code_is_valid('action', 'consent_action') }} as action_is_valid,
        {{ code_is_valid('channel', 'consent_channel') }} as channel_is_valid,
        {{ rejects_exclude('_rejects') }} as _is_excluded
    from cleaned
)

select * from renamed
