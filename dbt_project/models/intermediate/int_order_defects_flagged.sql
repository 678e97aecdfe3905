-- One row per order (account x marketplace x amazon_order_id) with the defects the raw reports
-- reveal for it, for the windowed metrics: an order with a 1-2 star feedback and an A-to-z
-- claim is one defective order (Amazon counts it once). A view: int_order_counts_daily reads
-- only the order dates it restates (the filter reaches int_orders_rolled_up), so storing these
-- rows again would only cost a large insert on every run.
with

orders as (

    select * from {{ ref('int_orders_rolled_up') }}

),

defects as (

    select * from {{ ref('int_order_defects_identified') }}

),

defects_per_order as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        bool_or(defect_type = 'negative_feedback') as has_negative_feedback,
        bool_or(defect_type = 'a_to_z_claim') as has_a_to_z_claim,
        min(defect_date) filter (where defect_type in ('negative_feedback', 'a_to_z_claim'))
            as first_odr_defect_date,
        min(defect_date) filter (where defect_type = 'negative_feedback') as first_negative_feedback_date,
        min(defect_date) filter (where defect_type = 'a_to_z_claim') as first_a_to_z_claim_date,
        string_agg(distinct defect_type, ',' order by defect_type)
        filter (where defect_type in ('negative_feedback', 'a_to_z_claim')) as odr_defect_types
    from defects
    group by account_id, marketplace_id, amazon_order_id

),

final as (

    select
        orders.account_id,
        orders.marketplace_id,
        orders.amazon_order_id,
        orders.order_date,
        orders.fulfillment_channel,
        orders.is_marketplace_order,
        orders.is_pending,
        orders.is_cancelled,
        orders.is_seller_cancelled,
        orders.is_buyer_requested_cancellation,
        cast(orders.last_updated_at as date) as last_updated_date,
        coalesce(defects_per_order.has_negative_feedback, false) as has_negative_feedback,
        coalesce(defects_per_order.has_a_to_z_claim, false) as has_a_to_z_claim,
        coalesce(defects_per_order.has_negative_feedback, false)
        or coalesce(defects_per_order.has_a_to_z_claim, false) as is_odr_defect,
        defects_per_order.first_odr_defect_date,
        defects_per_order.first_negative_feedback_date,
        defects_per_order.first_a_to_z_claim_date,
        orders.last_updated_at,
        defects_per_order.odr_defect_types
    from orders
    left join defects_per_order
        on
            orders.account_id = defects_per_order.account_id
            and orders.marketplace_id = defects_per_order.marketplace_id
            and orders.amazon_order_id = defects_per_order.amazon_order_id

)

select * from final
