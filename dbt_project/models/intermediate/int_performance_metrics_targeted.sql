{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('snapshot_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x snapshot_date x metric_name x fulfillment_channel x
-- window_days of the metrics Amazon reports (V2 and V1), with the target that applies (Amazon's
-- reported targetValue wins, the seed metric_targets fills in when it is absent) and our own
-- comparison of value and target. Amazon's status is kept beside it, never overwritten.
-- Where the V2 and the V1 report give the same metric, channel and window for a day (e.g. the
-- 30-day late shipment rate), the V2 value is kept: it is the report the rating model is built on;
-- V1 adds the windows V2 lacks (90-day order defect rate) and accounts without a V2 snapshot.
-- Incremental by snapshot date: the JSON is unnested once, for the days a run loads.
with

v2_metrics as (

    select * from {{ ref('stg_spapi__performance_metrics') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

v1_metrics as (

    select * from {{ ref('stg_spapi__v1_performance_metrics') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

metric_targets as (

    select * from {{ ref('metric_targets') }}

),

unioned as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        window_days,
        value,
        numerator,
        denominator,
        target_value,
        target_condition,
        amazon_status,
        window_start_date,
        window_end_date,
        report_id,
        1 as report_priority
    from v2_metrics
    union all
    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        window_days,
        value,
        numerator,
        denominator,
        target_value,
        target_condition,
        amazon_status,
        window_start_date,
        window_end_date,
        report_id,
        2 as report_priority
    from v1_metrics

),

deduplicated as (

    select * from unioned
    qualify row_number() over (
            partition by account_id, marketplace_id, snapshot_date, metric_name, fulfillment_channel, window_days
            order by report_priority
        ) = 1

),

targeted as (

    select
        unioned.account_id,
        unioned.marketplace_id,
        unioned.snapshot_date,
        unioned.metric_name,
        unioned.fulfillment_channel,
        unioned.window_days,
        unioned.value,
        unioned.numerator,
        unioned.denominator,
        coalesce(unioned.target_value, metric_targets.target_value) as target_value,
        coalesce(unioned.target_condition, metric_targets.target_condition) as target_condition,
        unioned.target_value is not null as is_target_reported,
        unioned.amazon_status,
        unioned.window_start_date,
        unioned.window_end_date,
        unioned.report_id
    from deduplicated as unioned
    left join metric_targets
        on unioned.metric_name = metric_targets.metric_name

),

final as (

    select
        *,
        {{ is_target_missed('value', 'target_value', 'target_condition') }} as is_target_missed
    from targeted

)

select * from final
