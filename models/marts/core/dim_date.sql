{#-
    Calendar: one row per day from var dim_date_start to var dim_date_end (defaults 1950-01-01
    to 2050-12-31, wide enough for account open dates and maturities). Every calendar day is a
    business date in this bank (the core system closes every day), so no holiday calendar.
-#}
with spine as (
    select date_day
    from {{ date_spine(var('dim_date_start', '1950-01-01'), var('dim_date_end', '2050-12-31')) }}
        as spine
),

final as (
    select
        date_day,
        cast({{ date_yyyymmdd('date_day') }} as integer) as date_key,
        cast(extract(year from date_day) as bigint) as year_number,
        cast(extract(quarter from date_day) as bigint) as quarter_number,
        cast(extract(month from date_day) as bigint) as month_number,
        cast(extract(day from date_day) as bigint) as day_of_month,
        {{ iso_day_of_week('date_day') }} as iso_day_of_week,
        cast(extract(week from date_day) as bigint) as iso_week_number,
        {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        cast(date_trunc('month', date_day) + interval 1 month - interval 1 day as date)
            as month_end_date,
        date_day
        = cast(date_trunc('month', date_day) + interval 1 month - interval 1 day as date)
            as is_month_end,
        date_day
        = cast(date_trunc('quarter', date_day) + interval 3 month - interval 1 day as date)
            as is_quarter_end,
        extract(month from date_day) = 12 and extract(day from date_day) = 31 as is_year_end
    from spine
)

select * from final
