{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('metric_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x metric_date x metric_name x fulfillment_channel x
-- window_days x source: Amazon's reported metrics (`reported`) and those recomputed from raw
-- orders, feedback and returns over the same window (`recomputed`). Rebuilds [min_date, max_date].
with

reported as (

    select * from {{ ref('int_performance_metrics_targeted') }}

),

recomputed as (

    select * from {{ ref('int_performance_metrics_recomputed') }}

),

unioned as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        window_days,
        'reported' as source,
        value,
        numerator,
        denominator,
        target_value,
        target_condition,
        amazon_status,
        is_target_missed,
        window_start_date,
        window_end_date,
        report_id
    from reported
    where {{ in_date_range('snapshot_date') }}
    union all
    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        window_days,
        'recomputed' as source,
        value,
        numerator,
        denominator,
        target_value,
        target_condition,
        cast(null as varchar) as amazon_status,
        is_target_missed,
        window_start_date,
        window_end_date,
        report_id
    from recomputed
    where {{ in_date_range('snapshot_date') }}

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(snapshot_date as date) as metric_date,
        cast(metric_name as varchar) as metric_name,
        cast(fulfillment_channel as varchar) as fulfillment_channel,
        cast(window_days as integer) as window_days,
        cast(source as varchar) as source,
        cast(value as double) as value,
        cast(numerator as bigint) as numerator,
        cast(denominator as bigint) as denominator,
        cast(target_value as double) as target_value,
        cast(target_condition as varchar) as target_condition,
        cast(amazon_status as varchar) as amazon_status,
        cast(is_target_missed as boolean) as is_target_missed,
        cast(window_start_date as date) as window_start_date,
        cast(window_end_date as date) as window_end_date,
        cast(report_id as varchar) as report_id
    from unioned

)

select * from final
