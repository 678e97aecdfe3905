{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_order_update_range('order_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per order (account x marketplace x amazon_order_id), from the latest version of its
-- order items, which it keeps as a list for fct_defect_attribution. Incremental by order date:
-- a run restates the order dates whose orders can still get a new version (var
-- order_update_days, macros/date_range.sql), so no model re-reads the whole order history.
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
        min(order_date) as order_date,
        min(purchased_at) as purchased_at,
        max(last_updated_at) as last_updated_at,
        max(fulfillment_channel) as fulfillment_channel,
        max(order_status) as order_status,
        bool_or(is_cancelled) as is_cancelled,
        count(*) as item_line_count,
        sum(coalesce(quantity, 0)) as units,
        -- list_sort after the aggregate, not list(... order by ...): an ordered aggregate
        -- cannot spill and ran out of DuckDB's 1 GB cap at 100x the demo's orders
        list_sort(
            list(
                {
                    'order_item_line_number': order_item_line_number,
                    'sku': sku,
                    'asin': asin,
                    'quantity': quantity
                }
            )
        ) as item_lines
    from order_items
    group by account_id, marketplace_id, amazon_order_id

)

-- stored in order-date order: the next runs' range filters then skip most row groups
select * from final
order by order_date
