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
        count(*) as orders_count,
        count(*) filter (where is_odr_defect) as odr_defects_count,
        count(*) filter (where has_a_to_z_claim) as a_to_z_claims_count,
        count(*) filter (where has_negative_feedback) as negative_feedback_count,
        count(*) filter (where is_cancelled) as cancelled_count
    from flagged
    group by account_id, marketplace_id, fulfillment_channel, order_date

)

-- stored in order-date order: the next runs' range filters then skip most row groups
select * from final
order by order_date
