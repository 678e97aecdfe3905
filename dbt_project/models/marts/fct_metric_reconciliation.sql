{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('metric_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x metric_date x metric_name x fulfillment_channel x
-- window_days that raw data can recompute: Amazon's reported value beside ours from raw orders,
-- feedback and returns over the same window, counted as Amazon knew them at the snapshot, their
-- difference (recomputed - reported), and whether raw covers the window (is_window_covered): on a
-- covered window the counts equal Amazon's; a partly loaded one says so instead of misleading.
-- Chargebacks are in no extracted report, so the recomputed ODR's numerator is a lower bound (its
-- claims and negative feedback parts are exact).
-- Rebuilds [min_date, max_date].
with

reported as (

    select * from {{ ref('int_performance_metrics_targeted') }}

),

recomputed as (

    select * from {{ ref('int_performance_metrics_recomputed') }}

),

final as (

    select
        cast(recomputed.account_id as varchar) as account_id,
        cast(recomputed.marketplace_id as varchar) as marketplace_id,
        cast(recomputed.snapshot_date as date) as metric_date,
        cast(recomputed.metric_name as varchar) as metric_name,
        cast(recomputed.fulfillment_channel as varchar) as fulfillment_channel,
        cast(recomputed.window_days as integer) as window_days,
        cast(recomputed.window_start_date as date) as window_start_date,
        cast(recomputed.window_end_date as date) as window_end_date,
        cast(reported.value as double) as reported_value,
        cast(recomputed.value as double) as recomputed_value,
        cast(recomputed.value - reported.value as double) as value_difference,
        cast(reported.numerator as bigint) as reported_numerator,
        cast(recomputed.numerator as bigint) as recomputed_numerator,
        cast(recomputed.numerator - reported.numerator as bigint) as numerator_difference,
        cast(reported.denominator as bigint) as reported_denominator,
        cast(recomputed.denominator as bigint) as recomputed_denominator,
        cast(recomputed.denominator - reported.denominator as bigint) as denominator_difference,
        cast(recomputed.order_days_loaded as integer) as order_days_loaded,
        cast(recomputed.is_window_covered as boolean) as is_window_covered
    from recomputed
    inner join reported
        on
            recomputed.account_id = reported.account_id
            and recomputed.marketplace_id = reported.marketplace_id
            and recomputed.snapshot_date = reported.snapshot_date
            and recomputed.metric_name = reported.metric_name
            and recomputed.fulfillment_channel = reported.fulfillment_channel
            and recomputed.window_days = reported.window_days
    where {{ in_date_range('recomputed.snapshot_date') }}

)

select * from final
