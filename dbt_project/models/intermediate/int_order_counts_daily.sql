{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_order_restatement_range('order_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x fulfillment channel x order date: orders and defective
-- orders counted once per day. Every windowed figure (volume credit, recomputed metrics,
-- projections) sums these days instead of re-reading orders, so a daily run costs the same with
-- a month or years of history. Incremental like int_orders_rolled_up.
-- How statuses count (Amazon's definitions): only Amazon marketplace orders count anywhere;
-- multi-channel fulfillment orders are counted apart (mcf_orders_count) and in nothing else.
-- orders_count (the volume credit) takes every marketplace order; the metrics' denominator
-- (metric_orders_count) leaves out orders still Pending (payment not authorized: not yet the
-- seller's order); the cancellation rate's numerator takes seller cancellations only.
with

flagged as (

    select * from {{ ref('int_order_defects_flagged') }}
    {% if is_incremental() -%}
        where {{ in_order_restatement_range('order_date') }}
    {%- endif %}

),

final as (

    select
        account_id,
        marketplace_id,
        fulfillment_channel,
        order_date,
        count(*) filter (where is_marketplace_order) as orders_count,
        count(*) filter (where is_marketplace_order and not is_pending) as metric_orders_count,
        count(*) filter (where is_marketplace_order and not is_pending and is_odr_defect) as odr_defects_count,
        count(*) filter (where is_marketplace_order and not is_pending and has_a_to_z_claim) as a_to_z_claims_count,
        count(*) filter (
            where is_marketplace_order and not is_pending and has_negative_feedback
        ) as negative_feedback_count,
        count(*) filter (where is_marketplace_order and is_seller_cancelled) as seller_cancelled_count,
        count(*) filter (
            where is_marketplace_order and is_cancelled and is_buyer_requested_cancellation
        ) as buyer_cancelled_count,
        count(*) filter (where is_marketplace_order and is_pending) as pending_orders_count,
        count(*) filter (where not is_marketplace_order) as mcf_orders_count
    from flagged
    group by account_id, marketplace_id, fulfillment_channel, order_date

)

-- stored in order-date order: the next runs' range filters then skip most row groups
select * from final
order by order_date
