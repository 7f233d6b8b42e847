{#-
    Customer tiers on month-average AUM (CNY): mass < potential <= affluent <= private banking,
    thresholds mart_param tier_*_min_aum. Ranks 1 (mass) .. 4 (private_banking) so that the
    tier rules can take a max over months.
-#}
{% macro tier_rank_of_aum(aum_expr) -%}
    case
        when {{ aum_expr }} >= {{ mart_param('tier_private_min_aum') }} then 4
        when {{ aum_expr }} >= {{ mart_param('tier_affluent_min_aum') }} then 3
        when {{ aum_expr }} >= {{ mart_param('tier_potential_min_aum') }} then 2
        else 1
    end
{%- endmacro %}

{% macro tier_name(rank_expr) -%}
    case {{ rank_expr }}
        when 4 then 'private_banking'
        when 3 then 'affluent'
        when 2 then 'potential'
        when 1 then 'mass'
    end
{%- endmacro %}

{% macro tier_names() -%}
    {{ return(['mass', 'potential', 'affluent', 'private_banking']) }}
{%- endmacro %}
