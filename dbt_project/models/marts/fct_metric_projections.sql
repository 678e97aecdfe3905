-- One row per account x marketplace x projection_date (each of the projection_horizon_days days
-- after the latest snapshot) x metric_name x fulfillment_channel: the order defect rate (MFN and
-- AFN) and the pre-fulfillment cancellation rate projected "if nothing new happens": no orders
-- and no defects after the latest snapshot, Amazon's window (length and lag of the latest report)
-- sliding forward over the orders and defects already in raw. Also the first day a currently
-- missed target would be met again. Computed from raw, so it sits beside, not on, Amazon's value.
-- Orders count as in the recomputed metrics: marketplace orders only (no multi-channel
-- fulfillment), not Pending; seller cancellations only.
with

windows as (

    select * from {{ ref('int_metric_windows_latest') }}

),

daily_counts as (

    select * from {{ ref('int_order_counts_daily') }}

),

projection_days as (

    select
        windows.*,
        windows.as_of_date + cast(horizon.day_offset as integer) as projection_date,
        cast(horizon.day_offset as integer) as days_ahead
    from windows
    cross join unnest(range(0, {{ var('projection_horizon_days') }} + 1)) as horizon (day_offset)

),

projected as (

    select
        projection_days.account_id,
        projection_days.marketplace_id,
        projection_days.projection_date,
        projection_days.days_ahead,
        projection_days.metric_name,
        projection_days.fulfillment_channel,
        projection_days.as_of_date,
        projection_days.window_days,
        projection_days.lag_days,
        projection_days.reported_value,
        projection_days.target_value,
        projection_days.target_condition,
        projection_days.is_reported_target_missed,
        coalesce(sum(daily_counts.metric_orders_count), 0) as projected_denominator,
        coalesce(sum(
            case
                when projection_days.metric_name = 'order_defect_rate' then daily_counts.odr_defects_count
                else daily_counts.seller_cancelled_count
            end
        ), 0) as projected_numerator
    from projection_days
    left join daily_counts
        on
            projection_days.account_id = daily_counts.account_id
            and projection_days.marketplace_id = daily_counts.marketplace_id
            and projection_days.fulfillment_channel = daily_counts.fulfillment_channel
            and projection_days.as_of_date >= daily_counts.order_date
            and daily_counts.order_date between
            projection_days.projection_date - projection_days.lag_days - projection_days.window_days + 1
            and projection_days.projection_date - projection_days.lag_days
    group by all

),

rated as (

    select
        *,
        cast(projected_numerator as double) / nullif(projected_denominator, 0) as projected_value
    from projected

),

missed as (

    select
        *,
        {{ is_target_missed('projected_value', 'target_value', 'target_condition') }} as is_projected_target_missed
    from rated

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(projection_date as date) as projection_date,
        cast(metric_name as varchar) as metric_name,
        cast(fulfillment_channel as varchar) as fulfillment_channel,
        cast(as_of_date as date) as as_of_date,
        cast(days_ahead as integer) as days_ahead,
        cast(window_days as integer) as window_days,
        cast(lag_days as integer) as lag_days,
        cast(projected_value as double) as projected_value,
        cast(projected_numerator as bigint) as projected_numerator,
        cast(projected_denominator as bigint) as projected_denominator,
        cast(reported_value as double) as reported_value_as_of,
        cast(target_value as double) as target_value,
        cast(target_condition as varchar) as target_condition,
        cast(is_projected_target_missed as boolean) as is_projected_target_missed,
        cast(is_reported_target_missed as boolean) as is_reported_target_missed_as_of,
        cast(case
            when is_reported_target_missed
                then min(projection_date) filter (where days_ahead > 0 and not is_projected_target_missed) over (
                        partition by account_id, marketplace_id, metric_name, fulfillment_channel
                    )
        end as date) as first_target_met_date
    from missed
    where days_ahead > 0

)

select * from final
