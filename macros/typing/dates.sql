{#-
    Dates and timestamps as the interface spec writes them (section 3).
    - 'YYYYMMDD' -> date. '00000000' means unknown -> NULL.
    - '99991231' means open-ended. open_ended='keep' returns date '9999-12-31' (for columns whose
      meaning IS the open end, e.g. core_account.close_date, org_rm_assignment.end_date, so a
      between-test works without coalesce); open_ended='null' returns NULL.
    - Anything else that is not 8 digits forming a calendar date is a cast failure: the typed
      value is NULL and date_cast_failed() is TRUE, which staging routes to rejects.
    - 'YYYYMMDDHHMMSS' -> timestamp WITHOUT time zone holding Asia/Shanghai wall-clock time (the
      bank's local time, as delivered; no conversion to UTC). All-zero means unknown -> NULL.
    Surrounding whitespace is ignored.
-#}
{% macro to_date(expr, open_ended='null') -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('to_date', 'bank_crm')(expr, open_ended) }}
    {%- else -%}
        {{ default__to_date(expr, open_ended) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__to_date(expr, open_ended='null') -%}
    case
        when trim({{ expr }}) = '00000000' then null
        when trim({{ expr }}) = '99991231'
            then {% if open_ended == 'keep' %}date '9999-12-31'{% else %}null{% endif %}
        when regexp_full_match(trim({{ expr }}), '[0-9]{8}')
            then cast(try_strptime(trim({{ expr }}), '%Y%m%d') as date)
    end
{%- endmacro %}

{#- TRUE when a delivered, non-empty date text is neither a sentinel nor a calendar date. -#}
{% macro date_cast_failed(expr) -%}
    (
        nullif(trim({{ expr }}), '') is not null
        and trim({{ expr }}) not in ('00000000', '99991231')
        and {{ to_date(expr) }} is null
    )
{%- endmacro %}

{% macro to_timestamp_local(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('to_timestamp_local', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__to_timestamp_local(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__to_timestamp_local(expr) -%}
    case
        when trim({{ expr }}) = '00000000000000' then null
        when regexp_full_match(trim({{ expr }}), '[0-9]{14}')
            then cast(try_strptime(trim({{ expr }}), '%Y%m%d%H%M%S') as timestamp)
    end
{%- endmacro %}

{% macro timestamp_cast_failed(expr) -%}
    (
        nullif(trim({{ expr }}), '') is not null
        and trim({{ expr }}) != '00000000000000'
        and {{ to_timestamp_local(expr) }} is null
    )
{%- endmacro %}

{#- Customers whose relationship began before the real-name rule (1999-11-01) often have no
    certificate; the cut-off lives here once. -#}
{% macro realname_rule_date() -%}
    date '1999-11-01'
{%- endmacro %}
