{{ config(meta={'dagster': {'ref': {'name': 'int_order_defects_identified'}}}) }}
-- Amazon's metrics count only the seller's cancellations and only Amazon marketplace orders: no
-- defect (and so no attribution row or roll-off) may come from a cancellation the buyer requested
-- or from a multi-channel fulfillment order. Fails with each such defect. (The meta attaches the
-- test to the defects table as its Dagster asset check: it reads two models.)
with

defects as (

    select * from {{ ref('int_order_defects_identified') }}

),

orders as (

    select * from {{ ref('int_orders_rolled_up') }}

),

final as (

    select
        defects.defect_id,
        defects.account_id,
        defects.marketplace_id,
        defects.amazon_order_id,
        defects.defect_type,
        orders.is_buyer_requested_cancellation,
        orders.is_marketplace_order
    from defects
    inner join orders
        on
            defects.account_id = orders.account_id
            and defects.marketplace_id = orders.marketplace_id
            and defects.amazon_order_id = orders.amazon_order_id
    where
        not orders.is_marketplace_order
        or (defects.defect_type = 'cancellation' and orders.is_buyer_requested_cancellation)

)

select * from final
