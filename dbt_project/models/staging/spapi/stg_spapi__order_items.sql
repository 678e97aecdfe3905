-- One row per order item line in the latest version of its order. raw.orders is partitioned by
-- last-updated date, so an order updated on several days arrives several times; the latest
-- document that carries the order (last_updated_date, then partition, then load) wins whole.
-- The purchase date never changes between versions of an order; it is part of the window's
-- partition so that a filter on purchased_at reaches raw.orders (int_orders_rolled_up reads only
-- the order dates an incremental run restates).
-- Order semantics the metrics need are flags here: multi-channel fulfillment orders (sales channel
-- Non-Amazon: the seller's own shop, fulfilled by Amazon) are not Amazon marketplace orders;
-- a cancellation the buyer requested is not the seller's; a Pending order's payment is not yet
-- authorized; Shipped (and its "Shipped - ..." variants) and InvoiceUnconfirmed orders are
-- shipment-confirmed.
with

source_orders as (

    select * from {{ source('spapi', 'orders') }}

),

renamed as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        merchant_order_id,
        sku,
        asin,
        product_name,
        cast(purchase_date as timestamp) as purchased_at,
        cast(purchase_date as date) as order_date,
        cast(last_updated_date as timestamp) as last_updated_at,
        order_status,
        item_status,
        case fulfillment_channel
            when 'Amazon' then 'AFN'
            when 'Merchant' then 'MFN'
            else upper(fulfillment_channel)
        end as fulfillment_channel,
        fulfillment_channel as fulfillment_channel_reported,
        coalesce(order_status in ('Cancelled', 'Canceled'), false) as is_cancelled,
        coalesce(is_buyer_requested_cancellation, false) as is_buyer_requested_cancellation,
        nullif(trim(buyer_requested_cancel_reason), '') as buyer_requested_cancel_reason,
        coalesce(order_status = 'Pending', false) as is_pending,
        coalesce(order_status like 'Shipped%' or order_status = 'InvoiceUnconfirmed', false)
            as is_shipment_confirmed,
        sales_channel,
        coalesce(lower(sales_channel) not like 'non-amazon%', true) as is_marketplace_order,
        is_iba,
        ship_service_level,
        cast(quantity as integer) as quantity,
        currency as currency_code,
        cast(item_price as decimal(18, 2)) as item_price,
        is_business_order,
        report_id,
        partition_date,
        loaded_at,
        source_row_number
    from source_orders
    where amazon_order_id is not null

),

latest_version as (

    select
        *,
        row_number() over (
            partition by account_id, marketplace_id, amazon_order_id, purchased_at, report_id
            order by source_row_number
        ) as order_item_line_number
    from renamed
    qualify dense_rank() over (
            partition by account_id, marketplace_id, amazon_order_id, purchased_at
            order by last_updated_at desc, partition_date desc, loaded_at desc, report_id desc
        ) = 1

),

final as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        order_item_line_number,
        merchant_order_id,
        sku,
        asin,
        product_name,
        purchased_at,
        order_date,
        last_updated_at,
        order_status,
        item_status,
        fulfillment_channel,
        fulfillment_channel_reported,
        is_cancelled,
        is_cancelled and not is_buyer_requested_cancellation as is_seller_cancelled,
        is_buyer_requested_cancellation,
        buyer_requested_cancel_reason,
        is_pending,
        is_shipment_confirmed,
        sales_channel,
        is_marketplace_order,
        is_iba,
        ship_service_level,
        quantity,
        currency_code,
        item_price,
        is_business_order,
        report_id,
        partition_date,
        loaded_at
    from latest_version

)

select * from final
