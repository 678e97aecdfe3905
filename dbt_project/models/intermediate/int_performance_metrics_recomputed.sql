-- One row per reported metric row that raw data can recompute (account x marketplace x
-- snapshot_date x metric_name x fulfillment_channel x window_days), over the same window Amazon
-- reported, from raw orders, feedback and returns (orders counted by order date, each defective
-- order once). Chargebacks are not in any report we extract, so the recomputed ODR is a lower
-- bound; cancellations cannot tell seller from buyer cancellations.
with

reported as (

    select * from {{ ref('int_performance_metrics_targeted') }}

),

order_flags as (

    select * from {{ ref('int_order_defects_flagged') }}

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
        count(order_flags.amazon_order_id) as denominator,
        case recomputable.metric_name
            when 'order_defect_rate'
                then count(*) filter (where order_flags.is_odr_defect)
            when 'order_defect_rate_claims'
                then count(*) filter (where order_flags.has_a_to_z_claim)
            when 'order_defect_rate_negative_feedback'
                then count(*) filter (where order_flags.has_negative_feedback)
            when 'pre_fulfillment_cancellation_rate'
                then count(*) filter (where order_flags.is_cancelled)
        end as numerator
    from recomputable
    left join order_flags
        on
            recomputable.account_id = order_flags.account_id
            and recomputable.marketplace_id = order_flags.marketplace_id
            and recomputable.fulfillment_channel = order_flags.fulfillment_channel
            and order_flags.order_date between recomputable.window_start_date and recomputable.window_end_date
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
