{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_order_restatement_range('coalesce(order_date, defect_date)') }}",
        on_schema_change='fail',
    )
}}
-- One row per defect x order item: each defect the raw reports reveal (cancellation, 1-2 star
-- feedback, A-to-z claim, return) linked to its order and to the order's SKU, ASIN and
-- fulfillment channel, so a BI tool can rank which SKUs and channels drive a metric. Order-level
-- defects (cancellation, feedback) fan out to every item line of the order; returns attach to the
-- returned SKU. A defect whose order is not in raw orders keeps one row (order item fields NULL).
-- Incremental by order date (the defect date when the order is not in raw): a run restates the
-- order dates its documents can still change, like int_orders_rolled_up.
with

defects as (

    select * from {{ ref('int_order_defects_identified') }}
    {% if is_incremental() -%}
        where {{ in_order_restatement_range('coalesce(order_date, defect_date)') }}
    {%- endif %}

),

order_items as (

    select * from {{ ref('int_order_items_latest') }}
    {% if is_incremental() -%}
        where {{ in_order_restatement_range('order_date') }}
    {%- endif %}

),

joined as (

    select
        defects.*,
        order_items.order_item_line_number,
        order_items.sku as item_sku,
        order_items.asin as item_asin,
        order_items.quantity
    from defects
    left join order_items
        on
            defects.account_id = order_items.account_id
            and defects.marketplace_id = order_items.marketplace_id
            and defects.amazon_order_id = order_items.amazon_order_id
            and (defects.event_sku is null or defects.event_sku = order_items.sku)

),

final as (

    select
        cast(md5(defect_id || '|' || coalesce(cast(order_item_line_number as varchar), '0')) as varchar)
            as attribution_id,
        cast(defect_id as varchar) as defect_id,
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(defect_type as varchar) as defect_type,
        cast(case
            when defect_type in ('negative_feedback', 'a_to_z_claim') then 'order_defect_rate'
            when defect_type = 'cancellation' and fulfillment_channel = 'MFN'
                then 'pre_fulfillment_cancellation_rate'
        end as varchar) as affected_metric_name,
        cast(amazon_order_id as varchar) as amazon_order_id,
        cast(order_item_line_number as integer) as order_item_line_number,
        cast(coalesce(item_sku, event_sku) as varchar) as sku,
        cast(coalesce(item_asin, event_asin) as varchar) as asin,
        cast(fulfillment_channel as varchar) as fulfillment_channel,
        cast(order_date as date) as order_date,
        cast(defect_date as date) as defect_date,
        cast(feedback_rating as integer) as feedback_rating,
        cast(quantity as integer) as quantity,
        cast(is_order_in_raw as boolean) as is_order_in_raw
    from joined

)

select * from final
