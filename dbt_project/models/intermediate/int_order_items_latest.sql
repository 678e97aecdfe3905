{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_order_update_range('order_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per order item line (account x marketplace x amazon_order_id x order_item_line_number)
-- of the latest version of its order: stg_spapi__order_items stored, so the order's latest
-- version is worked out once per run and only for the order dates that can still change.
-- int_orders_rolled_up and fct_defect_attribution read this table, never the raw orders.
-- Incremental by order date: a run restates the order dates whose orders can still get a new
-- version (var order_update_days, macros/date_range.sql).
with

order_items as (

    select * from {{ ref('stg_spapi__order_items') }}
    {% if is_incremental() -%}
        -- purchased_at (not order_date) so the filter reaches raw.orders through the view
        where
            purchased_at >= cast({{ order_update_start() }} as timestamp)
            and purchased_at < cast({{ max_date() }} + 1 as timestamp)
    {%- endif %}

),

final as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        order_item_line_number,
        order_date,
        purchased_at,
        last_updated_at,
        fulfillment_channel,
        order_status,
        is_cancelled,
        is_seller_cancelled,
        is_buyer_requested_cancellation,
        buyer_requested_cancel_reason,
        is_pending,
        is_shipment_confirmed,
        sales_channel,
        is_marketplace_order,
        sku,
        asin,
        quantity
    from order_items

)

-- stored in order-date order: the next runs' range filters then skip most row groups
select * from final
order by order_date
