-- One row per order (account x marketplace x amazon_order_id), from the latest version of its
-- order items.
with

order_items as (

    select * from {{ ref('stg_spapi__order_items') }}

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
        count(*) as item_line_count,
        sum(coalesce(quantity, 0)) as units
    from order_items
    group by account_id, marketplace_id, amazon_order_id

)

select * from final
