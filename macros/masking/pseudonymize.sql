{#-
    A pseudonymous key: a keyed hash of the value with the secret CRM_PSEUDONYM_KEY, the same
    secret giving the same keys every day. 20 hexadecimal digits of
    sha256(secret || '|' || value) (80 bits), written with the letters g-p for 0-9 so a key
    never contains a run of digits the PII scanner would mistake for a mobile or card number.
    NULL stays NULL.

    The secret is NOT rendered into the SQL (env_var() would write it into target/compiled,
    target/run, run_results.json and logs/dbt.log): the dbt-duckdb plugin
    orchestration.publish.dbt_pseudonym_plugin sets the DuckDB variable crm_pseudonym_key on
    every connection, and this macro reads getvariable('crm_pseudonym_key'). Without it the
    model fails with an error naming the variable, never hashing with an empty key.
-#}
{% macro pseudonymize(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('pseudonymize', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__pseudonymize(expr) }}
    {%- endif -%}
{%- endmacro %}

{#- The cast matters: DuckDB folds an untyped error() inside || to NULL instead of raising. -#}
{% macro _pseudonym_key_missing() -%}
    'CRM_PSEUDONYM_KEY is not set: set it and enable the dbt-duckdb plugin orchestration.publish.dbt_pseudonym_plugin'
{%- endmacro %}

{% macro default__pseudonymize(expr) -%}
    translate(
        left(
            sha256(
                coalesce(
                    getvariable('crm_pseudonym_key'),
                    cast(error({{ _pseudonym_key_missing() }}) as varchar)
                )
                || '|'
                || cast({{ expr }} as varchar)
            ),
            20
        ),
        '0123456789',
        'ghijklmnop'
    )
{%- endmacro %}

{#- Spark: the secret comes from the session configuration crm.pseudonym_key (spark-defaults or
    the Thrift server's startup), substituted by Spark at parse time, not by dbt. -#}
{% macro spark__pseudonymize(expr) -%}
    case
        when '${crm.pseudonym_key}' like '$%' or '${crm.pseudonym_key}' = ''
            then raise_error('crm.pseudonym_key is not set in the Spark session configuration')
        else translate(
            substr(sha2(concat('${crm.pseudonym_key}', '|', cast({{ expr }} as string)), 256), 1, 20),
            '0123456789',
            'ghijklmnop'
        )
    end
{%- endmacro %}
