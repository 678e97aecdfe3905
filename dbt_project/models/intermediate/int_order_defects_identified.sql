{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_order_restatement_range('coalesce(order_date, defect_date)') }}",
        on_schema_change='fail',
    )
}}
-- One row per defect event the raw reports reveal, linked to its order:
--   cancellation       an order whose latest status is Cancelled by the seller (date: its last
--                      update); a cancellation the buyer requested is no defect (Amazon's
--                      cancellation rate counts only the seller's)
--   negative_feedback  a 1-2 star feedback (date: feedback date)
--   a_to_z_claim       a return flagged A-to-Z Claim (date: return request date)
--   return             any other return (date: return request date)
-- Order date and fulfillment channel come from raw orders when the order is there (else the
-- return's own order date, and channel NULL). Multi-channel fulfillment orders (not Amazon
-- marketplace orders) have no defects in Amazon's metrics: their events are left out.
-- Incremental by order date (the defect date when the order is not in raw), restating the order
-- dates a run's documents can still change like int_orders_rolled_up. A defect never precedes
-- its order, so the events of those order dates all date from the restatement start onwards.
with

orders as (

    select * from {{ ref('int_orders_rolled_up') }}

),

feedbacks as (

    select * from {{ ref('stg_spapi__feedbacks') }}
    {% if is_incremental() -%}
        where feedback_date >= {{ order_restatement_start() }}
    {%- endif %}

),

returns as (

    select * from {{ ref('stg_spapi__returns') }}
    {% if is_incremental() -%}
        where return_request_date >= {{ order_restatement_start() }}
    {%- endif %}

),

events as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        'cancellation' as defect_type,
        cast(last_updated_at as date) as defect_date,
        order_date as event_order_date,
        '' as event_key,
        cast(null as varchar) as event_sku,
        cast(null as varchar) as event_asin,
        cast(null as integer) as feedback_rating
    from orders
    where
        is_seller_cancelled
        and is_marketplace_order
        {% if is_incremental() -%}
            and {{ in_order_restatement_range('order_date') }}
        {%- endif %}
    union all
    select
        account_id,
        marketplace_id,
        amazon_order_id,
        'negative_feedback' as defect_type,
        feedback_date as defect_date,
        cast(null as date) as event_order_date,
        cast(feedback_date as varchar) as event_key,
        cast(null as varchar) as event_sku,
        cast(null as varchar) as event_asin,
        rating as feedback_rating
    from feedbacks
    where is_negative
    union all
    select
        account_id,
        marketplace_id,
        amazon_order_id,
        case when is_a_to_z_claim then 'a_to_z_claim' else 'return' end as defect_type,
        return_request_date as defect_date,
        order_date as event_order_date,
        amazon_rma_id || '|' || sku as event_key,
        nullif(sku, '') as event_sku,
        asin as event_asin,
        cast(null as integer) as feedback_rating
    from returns

),

final as (

    select
        md5(
            events.account_id || '|' || events.marketplace_id || '|' || events.amazon_order_id
            || '|' || events.defect_type || '|' || events.event_key
        ) as defect_id,
        events.account_id,
        events.marketplace_id,
        events.amazon_order_id,
        events.defect_type,
        events.defect_date,
        coalesce(orders.order_date, events.event_order_date) as order_date,
        orders.fulfillment_channel,
        events.event_sku,
        events.event_asin,
        events.feedback_rating,
        orders.amazon_order_id is not null as is_order_in_raw
    from events
    left join orders
        on
            events.account_id = orders.account_id
            and events.marketplace_id = orders.marketplace_id
            and events.amazon_order_id = orders.amazon_order_id
    where
        coalesce(orders.is_marketplace_order, true)
        {% if is_incremental() -%}
            and {{ in_order_restatement_range(
                'coalesce(orders.order_date, events.event_order_date, events.defect_date)'
            ) }}
        {%- endif %}

)

-- stored in order-date order: the next runs' range filters then skip most row groups
select * from final
order by order_date
