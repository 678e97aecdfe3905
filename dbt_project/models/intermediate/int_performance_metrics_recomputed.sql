-- One row per reported metric row that raw data can recompute (account x marketplace x
-- snapshot_date x metric_name x fulfillment_channel x window_days), over the same window Amazon
-- reported, from raw orders, feedback and returns (orders counted by order date, each defective
-- order once). Chargebacks are not in any report we extract, so the recomputed ODR is a lower
-- bound. Counted as Amazon defines the metrics (int_order_counts_daily): Amazon marketplace
-- orders only (no multi-channel fulfillment), not Pending; the cancellation rate's numerator is
-- the seller's cancellations (buyer-requested ones stay in the denominator only).
with

reported as (

    select * from {{ ref('int_performance_metrics_targeted') }}

),

daily_counts as (

    -- one row per account x marketplace x channel x order date: windows sum days, not orders
    select * from {{ ref('int_order_counts_daily') }}

),

recomputable as (

    select *
    from reported
    where
        metric_name in (
            'order_defect_rate',
            'order_defect_rate_claims',
            'order_defect_rate_negative_feedback',
            'pre_fulfillment_cancellation_rate'
        )
        and window_start_date is not null
        and window_end_date is not null

),

counted as (

    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        recomputable.target_value,
        recomputable.target_condition,
        recomputable.window_start_date,
        recomputable.window_end_date,
        recomputable.report_id,
        coalesce(sum(daily_counts.metric_orders_count), 0) as denominator,
        coalesce(case recomputable.metric_name
            when 'order_defect_rate' then sum(daily_counts.odr_defects_count)
            when 'order_defect_rate_claims' then sum(daily_counts.a_to_z_claims_count)
            when 'order_defect_rate_negative_feedback' then sum(daily_counts.negative_feedback_count)
            when 'pre_fulfillment_cancellation_rate' then sum(daily_counts.seller_cancelled_count)
        end, 0) as numerator
    from recomputable
    left join daily_counts
        on
            recomputable.account_id = daily_counts.account_id
            and recomputable.marketplace_id = daily_counts.marketplace_id
            and recomputable.fulfillment_channel = daily_counts.fulfillment_channel
            and daily_counts.order_date between recomputable.window_start_date and recomputable.window_end_date
    group by
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        recomputable.target_value,
        recomputable.target_condition,
        recomputable.window_start_date,
        recomputable.window_end_date,
        recomputable.report_id

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        window_days,
        cast(numerator as double) / nullif(denominator, 0) as value,
        cast(numerator as bigint) as numerator,
        cast(denominator as bigint) as denominator,
        target_value,
        target_condition,
        window_start_date,
        window_end_date,
        report_id,
        {{ is_target_missed('cast(numerator as double) / nullif(denominator, 0)', 'target_value', 'target_condition') }}
            as is_target_missed
    from counted

)

select * from final
