{#- Products of the interface spec (5.4) and the two card products, with family, deposit
    family (demand / time / wealth), term and segment. From the product_codes seed. -#}
with products as (
    select * from {{ ref('product_codes') }}
),

final as (
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
    from products
)

select * from final
