{#- Yuan (CNY) of an amount in its currency at the day's rate to CNY, rounded half away from
    zero to the fen. Decimal arithmetic only: decimal(18,2) x decimal(18,6) stays exact until the
    final rounding, so CNY totals can be reconciled to the cent. -#}
{% macro to_cny(amount, rate) -%}
    cast(round(cast({{ amount }} as decimal(24, 2)) * {{ rate }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- A stable pseudonym for personal data that marts must not carry raw (card numbers): hex
    SHA-256 of a salt (var pii_salt, from the environment in production) and the value. Same
    value, same pseudonym, across systems and runs. -#}
{% macro card_key(expr) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('card_key', 'bank_crm')(expr)) }}
    {%- else -%}
        {{ return(default__card_key(expr)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__card_key(expr) -%}
    sha256(concat('{{ var("pii_salt", "crmwh") }}', {{ expr }}))
{%- endmacro %}

{% macro spark__card_key(expr) -%}
    sha2(concat('{{ var("pii_salt", "crmwh") }}', {{ expr }}), 256)
{%- endmacro %}

{#- Key of a version row of a slowly changing dimension: '<code>@<YYYYMMDD of valid_from>'. -#}
{% macro version_key(code, valid_from) -%}
    concat({{ code }}, '@', {{ date_yyyymmdd(valid_from) }})
{%- endmacro %}

{% macro date_yyyymmdd(expr) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('date_yyyymmdd', 'bank_crm')(expr)) }}
    {%- else -%}
        {{ return(default__date_yyyymmdd(expr)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__date_yyyymmdd(expr) -%}
    strftime({{ expr }}, '%Y%m%d')
{%- endmacro %}

{% macro spark__date_yyyymmdd(expr) -%}
    date_format({{ expr }}, 'yyyyMMdd')
{%- endmacro %}

{#- Every calendar date from start to end inclusive, as a one-column relation (date_day). -#}
{% macro date_spine(start_date, end_date) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('date_spine', 'bank_crm')(start_date, end_date)) }}
    {%- else -%}
        {{ return(default__date_spine(start_date, end_date)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    (
        select cast(spine.date_day as date) as date_day
        from unnest(generate_series(
            cast('{{ start_date }}' as date), cast('{{ end_date }}' as date), interval 1 day
        )) as spine (date_day)
    )
{%- endmacro %}

{% macro spark__date_spine(start_date, end_date) -%}
    (
        select explode(sequence(
            to_date('{{ start_date }}'), to_date('{{ end_date }}'), interval 1 day
        )) as date_day
    )
{%- endmacro %}

{#- The reporting branch and its five level codes of a fact row: the booking branch as of the
    date (int_branch_codes_daily joined as `branches`), or, when the row has no branch or an
    unknown one (an orphan balance without its account record), the head office (the
    fallback row '*' of int_branch_codes_daily joined as `fallback`), so every row carries
    branch codes and level-1 subtotals add up to the bank total. -#}
{% macro reporting_branch_columns(branches='branches', fallback='fallback') -%}
    coalesce({{ branches }}.branch_code, {{ fallback }}.branch_code) as branch_code,
    {%- for k in range(1, 6) %}
    coalesce({{ branches }}.branch_l{{ k }}_code, {{ fallback }}.branch_l{{ k }}_code)
        as branch_l{{ k }}_code,
    {%- endfor %}
    {{ branches }}.branch_code is null as is_unattributed_branch
{%- endmacro %}
