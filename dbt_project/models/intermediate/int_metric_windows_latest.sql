-- One row per account x marketplace x windowed metric (order_defect_rate per channel,
-- pre_fulfillment_cancellation_rate MFN): the window Amazon used in the latest snapshot
-- (length, and lag = days between the snapshot and the window's end), the latest reported value
-- and target. Falls back to Amazon's published windows (vars default_*) when nothing is reported.
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

metrics as (

    select * from {{ ref('int_performance_metrics_targeted') }}

),

metric_targets as (

    select * from {{ ref('metric_targets') }}

),

latest_snapshot as (

    select
        account_id,
        marketplace_id,
        max(snapshot_date) as as_of_date
    from snapshots
    group by account_id, marketplace_id

),

series as (

    select
        latest_snapshot.account_id,
        latest_snapshot.marketplace_id,
        latest_snapshot.as_of_date,
        wanted.metric_name,
        wanted.fulfillment_channel,
        wanted.default_window_days,
        wanted.default_lag_days
    from latest_snapshot
    cross join (
        values
        ('order_defect_rate', 'MFN', {{ var('default_odr_window_days') }}, {{ var('default_odr_lag_days') }}),
        ('order_defect_rate', 'AFN', {{ var('default_odr_window_days') }}, {{ var('default_odr_lag_days') }}),
        (
            'pre_fulfillment_cancellation_rate',
            'MFN',
            {{ var('default_cancel_window_days') }},
            {{ var('default_cancel_lag_days') }}
        )
    ) as wanted (metric_name, fulfillment_channel, default_window_days, default_lag_days)

),

final as (

    select
        series.account_id,
        series.marketplace_id,
        series.metric_name,
        series.fulfillment_channel,
        series.as_of_date,
        cast(coalesce(
            nullif(metrics.window_days, 0), series.default_window_days
        ) as integer) as window_days,
        cast(coalesce(
            date_diff('day', metrics.window_end_date, series.as_of_date), series.default_lag_days
        ) as integer) as lag_days,
        metrics.value as reported_value,
        coalesce(metrics.target_value, metric_targets.target_value) as target_value,
        coalesce(metrics.target_condition, metric_targets.target_condition) as target_condition,
        metrics.is_target_missed as is_reported_target_missed
    from series
    left join metrics
        on
            series.account_id = metrics.account_id
            and series.marketplace_id = metrics.marketplace_id
            and series.as_of_date = metrics.snapshot_date
            and series.metric_name = metrics.metric_name
            and series.fulfillment_channel = metrics.fulfillment_channel
    left join metric_targets
        on series.metric_name = metric_targets.metric_name
    -- several windows of one metric (V1 reports 60- and 90-day order defect rates, V2 and V1 7- and
    -- 30-day cancellation rates): the one closest to Amazon's published window is the one it rates
    qualify row_number() over (
            partition by series.account_id, series.marketplace_id, series.metric_name, series.fulfillment_channel
            order by abs(metrics.window_days - series.default_window_days) nulls last, metrics.window_days desc
        ) = 1

)

select * from final
