{#- Published products (reference data, copied whole into every branch file). -#}
select
    product_code,
    product_name,
    product_name_zh,
    product_family,
    product_category,
    deposit_family,
    term_months,
    customer_segment,
    counts_in_aum
from {{ ref('dim_product') }}
