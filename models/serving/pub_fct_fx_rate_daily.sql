{#- Published daily FX rates to CNY (reference data, copied whole into every branch file). -#}
select
    biz_date,
    currency,
    rate_to_cny
from {{ ref('fct_fx_rate_daily') }}
where biz_date <= {{ current_biz_date() }}
