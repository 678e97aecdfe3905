-- One row per account x marketplace x metric_name x amazon_order_id: each defective order in a
-- windowed metric (order_defect_rate: 1-2 star feedback or A-to-z claim, counted once;
-- pre_fulfillment_cancellation_rate: cancelled MFN order) with the date it leaves the metric's
-- window. Amazon's window for a snapshot on day S covers order dates
-- [S - lag - window_days + 1, S - lag], so an order dated O rolls off on O + window_days + lag,
-- using the window length and lag of the latest reported metric (int_metric_windows_latest).
-- A table rebuilt every run (the latest window moves every row's countdown), from the defects
-- table, so its cost follows the number of defects rather than of orders.
with

defects as (

    -- defects of orders in raw (a metric counts orders; an unknown order has no window)
    select * from {{ ref('int_order_defects_identified') }}
    where is_order_in_raw

),

windows as (

    select * from {{ ref('int_metric_windows_latest') }}

),

defective_orders as (

    -- built from the defects, not from every order: the cost follows the defects, not the orders
    select
        account_id,
        marketplace_id,
        'order_defect_rate' as metric_name,
        any_value(fulfillment_channel) as fulfillment_channel,
        amazon_order_id,
        any_value(order_date) as order_date,
        string_agg(distinct defect_type, ',' order by defect_type) as defect_types,
        min(defect_date) as first_defect_date
    from defects
    where defect_type in ('negative_feedback', 'a_to_z_claim')
    group by account_id, marketplace_id, amazon_order_id
    union all
    select
        account_id,
        marketplace_id,
        'pre_fulfillment_cancellation_rate' as metric_name,
        fulfillment_channel,
        amazon_order_id,
        order_date,
        'cancellation' as defect_types,
        defect_date as first_defect_date
    from defects
    where defect_type = 'cancellation' and fulfillment_channel = 'MFN'

),

dated as (

    select
        defective_orders.*,
        windows.window_days,
        windows.lag_days,
        windows.as_of_date,
        defective_orders.order_date + windows.window_days + windows.lag_days as rolloff_date
    from defective_orders
    inner join windows
        on
            defective_orders.account_id = windows.account_id
            and defective_orders.marketplace_id = windows.marketplace_id
            and defective_orders.metric_name = windows.metric_name
            and defective_orders.fulfillment_channel = windows.fulfillment_channel

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(metric_name as varchar) as metric_name,
        cast(fulfillment_channel as varchar) as fulfillment_channel,
        cast(amazon_order_id as varchar) as amazon_order_id,
        cast(order_date as date) as order_date,
        cast(defect_types as varchar) as defect_types,
        cast(first_defect_date as date) as first_defect_date,
        cast(window_days as integer) as window_days,
        cast(lag_days as integer) as lag_days,
        cast(rolloff_date as date) as rolloff_date,
        cast(as_of_date as date) as as_of_date,
        cast(date_diff('day', as_of_date, rolloff_date) as integer) as days_until_rolloff,
        cast(
            order_date between as_of_date - lag_days - window_days + 1 and as_of_date - lag_days
            as boolean
        ) as is_in_current_window
    from dated

)

select * from final
