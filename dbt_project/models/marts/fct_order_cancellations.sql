{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_order_update_range('order_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per cancelled order (account x marketplace x amazon_order_id) in its latest version: who
-- cancelled it and why, and whether Amazon's pre-fulfillment cancellation rate counts it. The rate
-- counts only the seller's cancellations of seller-fulfilled (MFN) Amazon marketplace orders; a
-- cancellation the buyer requested (is-buyer-requested-cancellation, with the buyer's reason) and
-- multi-channel fulfillment orders (sales channel Non-Amazon) are listed here but counted nowhere.
-- BI tools read this mart: the buyer's reason shows only as one of the reasons Amazon offers, never as
-- the buyer's own words.
-- Incremental by order date like int_orders_rolled_up, which it reads.
with

orders as (

    select * from {{ ref('int_orders_rolled_up') }}
    where
        is_cancelled
        {% if is_incremental() -%}
            and {{ in_order_update_range('order_date') }}
        {%- endif %}

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(amazon_order_id as varchar) as amazon_order_id,
        cast(order_date as date) as order_date,
        cast(last_updated_at as date) as cancelled_date,
        cast(fulfillment_channel as varchar) as fulfillment_channel,
        cast(sales_channel as varchar) as sales_channel,
        cast(is_marketplace_order as boolean) as is_marketplace_order,
        cast(case when is_buyer_requested_cancellation then 'buyer_request' else 'seller' end as varchar)
            as cancelled_by,
        -- only the reasons Amazon offers the buyer (var buyer_cancel_reasons); free text can name the buyer
        cast(case
            when buyer_requested_cancel_reason is null then null
            when
                lower(trim(buyer_requested_cancel_reason)) in (
                    {%- for reason in var('buyer_cancel_reasons') %}
                        '{{ reason | lower | replace("'", "''") }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
                then trim(buyer_requested_cancel_reason)
            else 'other'
        end as varchar) as buyer_requested_cancel_reason,
        cast(is_marketplace_order and fulfillment_channel = 'MFN' and is_seller_cancelled as boolean)
            as is_in_cancellation_rate,
        cast(item_line_count as integer) as item_line_count
    from orders

)

-- stored in order-date order: the next runs' range filters then skip most row groups
select * from final
order by order_date
