{#- The day-grain time spine the dbt semantic layer (MetricFlow) joins metrics to: every
    calendar day of dim_date. -#}
select cast(date_day as date) as date_day
from {{ ref('dim_date') }}
