{#-
    Which dates a data test checks. On the nightly run of business date T (the orchestrator
    passes T in env CRM_BIZ_DATE, and the build is not a --full-refresh) a data test of a
    staging model, or of a model incremental by biz_date, checks T's rows only: the earlier
    dates were checked by their own nightly runs and have not changed since (such a model's
    daily run rewrites T alone; a staging model is a view over, or is, such a table), so
    re-testing all of history would make the daily cost grow with history (issue 5). It also
    keeps a relationship test of yesterday's fact rows from failing when identity resolution
    merges a customer key away today. Everything else (a --full-refresh, which the rebuild after a
    re-delivery is; an ad-hoc or CI run that gives the date in --vars or not at all) tests every
    date, as before.

    get_where_subquery is dbt's hook for the `where` config of data tests (root-project macros
    override dbt's own): the relation a generic test reads, after the test's own `where`, is
    narrowed to biz_date = T when daily_test_scoped_to_biz_date() says so. Relationship
    tests narrow their child side only (the `to` side is not passed through this hook).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set filtered = adapter.dispatch('get_where_subquery', 'dbt')(relation) -%}
    {%- if not daily_test_scoped_to_biz_date() -%}
        {{ return(filtered) }}
    {%- endif -%}
    {#- no alias: some generic tests alias the relation themselves ({{ model }} as parent) -#}
    {{ return('(select * from ' ~ filtered ~ ' where biz_date = ' ~ current_biz_date() ~ ')') }}
{%- endmacro %}

{#- TRUE on a nightly (not --full-refresh, CRM_BIZ_DATE given) run for a data test attached to
    a staging model or to any model incremental by biz_date (unique_key 'biz_date': the facts,
    the daily marts and their serving copies), whose nightly run writes T's rows only. -#}
{% macro daily_test_scoped_to_biz_date() -%}
    {%- if not execute or flags.FULL_REFRESH or not env_var('CRM_BIZ_DATE', '') -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set attached = model.get('attached_node') if model is mapping else model.attached_node -%}
    {%- if not attached or attached not in graph.nodes -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set node = graph.nodes[attached] -%}
    {%- if node.fqn[1] == 'staging' -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(
        node.config.materialized == 'incremental' and node.config.unique_key == 'biz_date'
    ) }}
{%- endmacro %}

{#- For singular staging tests: `<column> = T` on a nightly run (as above), else TRUE. -#}
{% macro staging_test_date_filter(column) -%}
    {%- if execute and not flags.FULL_REFRESH and env_var('CRM_BIZ_DATE', '') -%}
        {{ column }} = {{ current_biz_date() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
