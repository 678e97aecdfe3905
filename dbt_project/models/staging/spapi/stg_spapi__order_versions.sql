-- One row per order version kept in raw (account x marketplace x amazon_order_id x partition_date):
-- the order's status as one orders document showed it. raw.orders is partitioned by last-updated
-- date, so when orders are extracted day by day an order arrives once per day it changed, each time
-- in the state of that moment (e.g. Pending in the partition of its purchase, Unshipped in the next);
-- a backfill extracted later holds only each order's latest state. stg_spapi__order_items keeps the
-- latest version; the metrics need the earlier ones to tell what Amazon saw at a snapshot moment
-- (an order still Pending then is in no metric). Order-level: every item of a version carries the
-- order's status. The loader replaces a partition whole, so each partition holds one version.
with

source_orders as (

    select * from {{ source('spapi', 'orders') }}

),

final as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        partition_date,
        min(cast(purchase_date as timestamp)) as purchased_at,
        min(cast(purchase_date as date)) as order_date,
        max(cast(last_updated_date as timestamp)) as last_updated_at,
        max(order_status) as order_status,
        coalesce(bool_or(order_status = 'Pending'), false) as is_pending,
        max(case fulfillment_channel
            when 'Amazon' then 'AFN'
            when 'Merchant' then 'MFN'
            else upper(fulfillment_channel)
        end) as fulfillment_channel,
        coalesce(bool_and(lower(sales_channel) not like 'non-amazon%'), true) as is_marketplace_order
    from source_orders
    where amazon_order_id is not null
    group by account_id, marketplace_id, amazon_order_id, partition_date

)

select * from final
