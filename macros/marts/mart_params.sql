{#-
    Every threshold and business assumption of the branch marts, in one place, each a dbt var
    with the default below (override with --vars or in dbt_project.yml `vars:`).
    mart_param('tier_affluent_min_aum') -> var('tier_affluent_min_aum', 500000).
    Why one dict: a reviewer finds every assumption here, and models never repeat a default.
-#}
{% macro mart_param_defaults() -%}
    {{ return({
        'tier_potential_min_aum': 50000,
        'tier_affluent_min_aum': 500000,
        'tier_private_min_aum': 6000000,
        'tier_downgrade_months': 3,
        'tier_private_downgrade_months': 6,
        'attrition_lookback_days': 30,
        'attrition_drop_ratio': 0.30,
        'attrition_min_base_aum': 50000,
        'channel_lookback_days': 90,
        'cross_sell_card_min_aum': 500000,
        'cross_sell_limit_to_aum_ratio': 0.10,
        'cross_sell_limit_cap': 1000000,
        'cross_sell_limit_gap_ratio': 0.50,
        'cross_sell_depositor_min_deposits': 50000,
        'cross_sell_borrower_max_aum': 1000,
        'high_value_min_tier_rank': 3,
        'rm_growth_lookback_days': 30,
        'ftp_demand_rate': 0.0180,
        'ftp_time_rate': 0.0260,
        'ftp_loan_rate': 0.0300,
        'paid_demand_rate': 0.0020,
        'paid_time_rate': 0.0180,
        'wealth_fee_rate': 0.0050,
        'card_interchange_rate': 0.0045,
        'card_revolving_rate': 0.1825,
        'card_revolving_share': 0.30,
        'cost_per_account_month': 15,
        'cost_per_counter_txn': 8,
    }) }}
{%- endmacro %}

{% macro mart_param(name) -%}
    {%- set defaults = mart_param_defaults() -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("unknown mart parameter '" ~ name ~ "'") }}
    {%- endif -%}
    {{ return(var(name, defaults[name])) }}
{%- endmacro %}
