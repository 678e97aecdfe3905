-- One row per return (account x marketplace x order x Amazon RMA id x SKU), latest load wins.
with

source_returns as (

    select * from {{ source('spapi', 'returns') }}

),

renamed as (

    select
        account_id,
        marketplace_id,
        order_id as amazon_order_id,
        coalesce(amazon_rma_id, '') as amazon_rma_id,
        coalesce(merchant_sku, '') as sku,
        asin,
        item_name,
        cast(order_date as date) as order_date,
        cast(return_request_date as date) as return_request_date,
        return_request_status,
        coalesce(a_to_z_claim, false) as is_a_to_z_claim,
        is_prime,
        cast(return_quantity as integer) as return_quantity,
        return_reason,
        in_policy as is_in_policy,
        return_type,
        resolution,
        cast(refunded_amount as decimal(18, 2)) as refunded_amount,
        currency_code,
        category as product_category,
        report_id,
        partition_date,
        loaded_at,
        source_row_number
    from source_returns
    where order_id is not null

),

final as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        amazon_rma_id,
        sku,
        asin,
        item_name,
        order_date,
        return_request_date,
        return_request_status,
        is_a_to_z_claim,
        is_prime,
        return_quantity,
        return_reason,
        is_in_policy,
        return_type,
        resolution,
        refunded_amount,
        currency_code,
        product_category,
        report_id,
        partition_date,
        loaded_at
    from renamed
    qualify row_number() over (
            -- an RMA's request date never changes; in the partition, a filter on it reaches raw
            partition by account_id, marketplace_id, amazon_order_id, amazon_rma_id, sku, return_request_date
            order by loaded_at desc, report_id desc, source_row_number asc
        ) = 1

)

select * from final
