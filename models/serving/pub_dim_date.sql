{#- Published calendar (reference data, copied whole into every branch file). -#}
select
    date_day,
    date_key,
    year_number,
    quarter_number,
    month_number,
    day_of_month,
    iso_day_of_week,
    iso_week_number,
    is_weekend,
    month_start_date,
    month_end_date,
    is_month_end,
    is_quarter_end,
    is_year_end
from {{ ref('dim_date') }}
