{#- Spark forms of the staging reject-list macros (macros/staging/rejects.sql): an array of
    named structs with the NULLs filtered out, higher-order exists() for "any reject excludes",
    and LATERAL VIEW explode for the unnest. -#}
{% macro spark__staging_rejects(checks, alias='source') -%}
    {%- set items = staging_reject_items(checks, alias) -%}
    filter(
        array(
            {{ items | join(',\n            ') }}
        ),
        r -> r is not null
    )
{%- endmacro %}

{% macro spark__reject_struct(column, reason, col_expr, excludes) -%}
    named_struct(
        'column_name', '{{ column }}',
        'reason', '{{ reason }}',
        'raw_value', cast({{ col_expr }} as string),
        'excludes_record', {{ 'true' if excludes else 'false' }}
    )
{%- endmacro %}

{% macro spark__rejects_exclude(rejects_expr) -%}
    coalesce(exists({{ rejects_expr }}, r -> r.excludes_record), false)
{%- endmacro %}

{% macro spark__unnest_join(array_expr, table_alias, column_alias) -%}
    lateral view explode({{ array_expr }}) {{ table_alias }} as {{ column_alias }}
{%- endmacro %}

{% macro spark__star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}
