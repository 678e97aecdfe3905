{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('snapshot_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x snapshot_date: distinct Amazon marketplace orders purchased in
-- the volume-credit window (rating_parameters.volume_credit_window_days, 180 days ending on the
-- snapshot date; multi-channel fulfillment orders counted apart, in mcf_orders_in_window, and
-- never in the credit) and
-- whether the orders partition of that date was loaded at all (else the credit is unknown), and
-- how many of the window's days have a loaded orders partition (coverage of the count).
-- "Loaded" is what raw.load_log records (the loader logs every partition, empty ones too).
-- volume_credit_orders is the count the volume credit uses: the window's orders when raw covers
-- the whole window; while it covers only its last days (a young warehouse, a new account), the
-- orders purchased since the first loaded partition scaled to the window's length, once at least
-- var('volume_credit_min_days_loaded') days are covered (fewer days: the plain, short count).
-- Incremental by snapshot date: a run rebuilds [min_date, max_date] from the per-day counts.
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

order_counts as (

    select * from {{ ref('int_order_counts_daily') }}

),

load_logs as (

    select * from {{ ref('stg_spapi__load_logs') }}

),

parameters as (

    select * from {{ ref('int_rating_parameters_pivoted') }}

),

daily_orders as (

    -- one row per account x marketplace x order date: the window sums days, not orders
    select
        account_id,
        marketplace_id,
        order_date,
        sum(orders_count) as orders_count,
        sum(mcf_orders_count) as mcf_orders_count
    from order_counts
    group by account_id, marketplace_id, order_date

),

loaded_order_days as (

    select
        account_id,
        marketplace_id,
        partition_date
    from load_logs
    where report_type like 'GET_FLAT_FILE_ALL_ORDERS_DATA%'

),

first_loaded as (

    select
        snapshots.account_id,
        snapshots.marketplace_id,
        snapshots.snapshot_date,
        min(loaded_order_days.partition_date) as first_loaded_date
    from snapshots
    cross join parameters
    inner join loaded_order_days
        on
            snapshots.account_id = loaded_order_days.account_id
            and snapshots.marketplace_id = loaded_order_days.marketplace_id
            and loaded_order_days.partition_date between
            snapshots.snapshot_date - (parameters.volume_credit_window_days - 1)
            and snapshots.snapshot_date
    group by snapshots.account_id, snapshots.marketplace_id, snapshots.snapshot_date

),

windowed as (

    select
        snapshots.account_id,
        snapshots.marketplace_id,
        snapshots.snapshot_date,
        coalesce(sum(daily_orders.orders_count), 0) as orders_in_window,
        coalesce(sum(daily_orders.mcf_orders_count), 0) as mcf_orders_in_window,
        -- counted apart for the extrapolation below: orders purchased since the first loaded
        -- partition are all in raw (an order's versions are in partitions of its update dates)
        coalesce(sum(daily_orders.orders_count) filter (
            where daily_orders.order_date >= first_loaded.first_loaded_date
        ), 0) as orders_since_first_loaded
    from snapshots
    cross join parameters
    left join first_loaded
        on
            snapshots.account_id = first_loaded.account_id
            and snapshots.marketplace_id = first_loaded.marketplace_id
            and snapshots.snapshot_date = first_loaded.snapshot_date
    left join daily_orders
        on
            snapshots.account_id = daily_orders.account_id
            and snapshots.marketplace_id = daily_orders.marketplace_id
            and daily_orders.order_date between
            snapshots.snapshot_date - (parameters.volume_credit_window_days - 1)
            and snapshots.snapshot_date
    group by snapshots.account_id, snapshots.marketplace_id, snapshots.snapshot_date

),

loaded_days_in_window as (

    select
        snapshots.account_id,
        snapshots.marketplace_id,
        snapshots.snapshot_date,
        count(loaded_order_days.partition_date) as order_days_loaded
    from snapshots
    cross join parameters
    left join loaded_order_days
        on
            snapshots.account_id = loaded_order_days.account_id
            and snapshots.marketplace_id = loaded_order_days.marketplace_id
            and loaded_order_days.partition_date between
            snapshots.snapshot_date - (parameters.volume_credit_window_days - 1)
            and snapshots.snapshot_date
    group by snapshots.account_id, snapshots.marketplace_id, snapshots.snapshot_date

),

final as (

    select
        windowed.account_id,
        windowed.marketplace_id,
        windowed.snapshot_date,
        windowed.orders_in_window,
        windowed.mcf_orders_in_window,
        loaded_order_days.partition_date is not null as is_orders_partition_loaded,
        loaded_days_in_window.order_days_loaded,
        case
            when
                loaded_days_in_window.order_days_loaded >= {{ var('volume_credit_min_days_loaded') }}
                and loaded_days_in_window.order_days_loaded < parameters.volume_credit_window_days
                then round(
                        windowed.orders_since_first_loaded * parameters.volume_credit_window_days
                        / (windowed.snapshot_date - first_loaded.first_loaded_date + 1)
                    )
            else windowed.orders_in_window
        end as volume_credit_orders
    from windowed
    cross join parameters
    left join first_loaded
        on
            windowed.account_id = first_loaded.account_id
            and windowed.marketplace_id = first_loaded.marketplace_id
            and windowed.snapshot_date = first_loaded.snapshot_date
    inner join loaded_days_in_window
        on
            windowed.account_id = loaded_days_in_window.account_id
            and windowed.marketplace_id = loaded_days_in_window.marketplace_id
            and windowed.snapshot_date = loaded_days_in_window.snapshot_date
    left join loaded_order_days
        on
            windowed.account_id = loaded_order_days.account_id
            and windowed.marketplace_id = loaded_order_days.marketplace_id
            and windowed.snapshot_date = loaded_order_days.partition_date

)

select * from final
