-- One row per observation of a metric against its target: every reported metric with a target
-- check (metric_target_missed, by snapshot day), and, for metrics meeting their target as of the
-- latest snapshot, whether they are projected to miss it within alert_projection_horizon_days
-- (projected_breach). Projections exist only as of the latest snapshot, so projected breaches are
-- current-state observations: their episode key carries no date.
with

metrics as (

    select * from {{ ref('fct_health_metrics_daily') }}

),

projections as (

    select * from {{ ref('fct_metric_projections') }}

),

missed as (

    select
        'metric_target_missed' as kind,
        account_id,
        marketplace_id,
        metric_name || ' ' || fulfillment_channel || ' ' || window_days || 'd' as subject,
        cast(metric_date as timestamp) as observed_at,
        is_target_missed as is_active,
        false as is_current_state,
        metric_name as severity_level,
        value as trigger_value,
        target_value as threshold_value,
        json_object(
            'metric_name', metric_name, 'fulfillment_channel', fulfillment_channel, 'window_days', window_days,
            'value', value, 'target_value', target_value, 'target_condition', target_condition,
            'numerator', numerator, 'denominator', denominator, 'amazon_status', amazon_status
        ) as details
    from metrics
    -- Only days with a verdict: an unknown value neither opens nor resolves an episode.
    where source = 'reported' and is_target_missed is not null

),

first_breaches as (

    select
        account_id,
        marketplace_id,
        metric_name,
        fulfillment_channel,
        as_of_date,
        target_value,
        target_condition,
        min(projection_date) as breach_date,
        arg_min(projected_value, projection_date) as projected_value,
        min(days_ahead) as days_ahead
    from projections
    where
        not coalesce(is_reported_target_missed_as_of, false)
        and is_projected_target_missed
        and days_ahead between 1 and {{ var('alert_projection_horizon_days') }}
    group by all

),

projected as (

    select
        'projected_breach' as kind,
        account_id,
        marketplace_id,
        metric_name || ' ' || fulfillment_channel as subject,
        cast(as_of_date as timestamp) as observed_at,
        true as is_active,
        true as is_current_state,
        metric_name as severity_level,
        projected_value as trigger_value,
        target_value as threshold_value,
        json_object(
            'metric_name', metric_name, 'fulfillment_channel', fulfillment_channel, 'as_of_date', as_of_date,
            'breach_date', breach_date, 'days_ahead', days_ahead, 'projected_value', projected_value,
            'target_value', target_value, 'target_condition', target_condition
        ) as details
    from first_breaches

),

final as (

    select
        *,
        'snapshot' as source
    from missed
    union all
    select
        *,
        'projection' as source
    from projected

)

select * from final
