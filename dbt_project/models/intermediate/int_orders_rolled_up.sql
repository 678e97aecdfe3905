{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_order_update_range('order_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per order (account x marketplace x amazon_order_id), from the latest version of its
-- order items. Incremental by order date like int_order_items_latest: a run restates the order
-- dates whose orders can still get a new version (var order_update_days). Status flags are the
-- order's (every item of a version carries the same order status).
with

order_items as (

    select * from {{ ref('int_order_items_latest') }}
    {% if is_incremental() -%}
        where {{ in_order_update_range('order_date') }}
    {%- endif %}

),

final as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        min(order_date) as order_date,
        min(purchased_at) as purchased_at,
        max(last_updated_at) as last_updated_at,
        max(fulfillment_channel) as fulfillment_channel,
        max(order_status) as order_status,
        bool_or(is_cancelled) as is_cancelled,
        bool_or(is_seller_cancelled) as is_seller_cancelled,
        bool_or(is_buyer_requested_cancellation) as is_buyer_requested_cancellation,
        max(buyer_requested_cancel_reason) as buyer_requested_cancel_reason,
        bool_or(is_pending) as is_pending,
        bool_and(is_shipment_confirmed) as is_shipment_confirmed,
        max(sales_channel) as sales_channel,
        bool_and(is_marketplace_order) as is_marketplace_order,
        count(*) as item_line_count,
        sum(coalesce(quantity, 0)) as units
    from order_items
    group by account_id, marketplace_id, amazon_order_id

)

-- stored in order-date order: the next runs' range filters then skip most row groups
select * from final
order by order_date
