-- One row per reported metric row that raw data can recompute (account x marketplace x
-- snapshot_date x metric_name x fulfillment_channel x window_days), over the same window Amazon
-- reported, from raw orders, feedback and returns (orders counted by order date, each defective
-- order once), counted as Amazon counts them at the snapshot, and whether raw covers the window.
-- Counted as Amazon defines the metrics (int_order_counts_daily): Amazon marketplace orders only
-- (no multi-channel fulfillment), not Pending; the cancellation rate's numerator is the seller's
-- cancellations (buyer-requested ones stay in the denominator only).
-- As of the snapshot: Amazon reports what it knows on the snapshot day, so a defect counts only
-- when it is dated on or before snapshot_date (feedback date, A-to-z claim's return request date)
-- and a cancellation only when it happened by snapshot_at (a cancelled order's last update is its
-- cancellation: nothing follows it). Later events are in raw when the orders, feedback and returns
-- were extracted after the snapshot, and would otherwise inflate every numerator but the latest.
-- Chargebacks are in no report we extract, so the recomputed order defect rate's numerator is a
-- lower bound; its claims and negative feedback parts are exact.
-- Covered: every partition day from the window's first day to the snapshot date is loaded for
-- orders (and, for the order defect rates, feedback and returns): a window only partly loaded
-- (history shorter than the window) cannot match Amazon and says so.
with

reported as (

    select * from {{ ref('int_performance_metrics_targeted') }}

),

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

daily_counts as (

    -- one row per account x marketplace x channel x order date: windows sum days, not orders
    select * from {{ ref('int_order_counts_daily') }}

),

flagged_orders as (

    select * from {{ ref('int_order_defects_flagged') }}

),

load_logs as (

    select * from {{ ref('stg_spapi__load_logs') }}

),

recomputable as (

    select
        reported.*,
        -- V1-only days have no V2 snapshot moment: the end of the snapshot day then
        coalesce(
            snapshots.snapshot_at, cast(reported.snapshot_date as timestamp) + interval 1 day - interval 1 second
        ) as snapshot_at
    from reported
    left join snapshots
        on
            reported.account_id = snapshots.account_id
            and reported.marketplace_id = snapshots.marketplace_id
            and reported.snapshot_date = snapshots.snapshot_date
    where
        reported.metric_name in (
            'order_defect_rate',
            'order_defect_rate_claims',
            'order_defect_rate_negative_feedback',
            'pre_fulfillment_cancellation_rate'
        )
        and reported.window_start_date is not null
        and reported.window_end_date is not null

),

defective_orders as (

    -- few rows (orders with a defect or a seller cancellation): the as-of test reads them directly
    select
        account_id,
        marketplace_id,
        fulfillment_channel,
        order_date,
        first_odr_defect_date,
        first_negative_feedback_date,
        first_a_to_z_claim_date,
        case when is_seller_cancelled then last_updated_at end as seller_cancelled_at
    from flagged_orders
    where is_marketplace_order and not is_pending and (is_odr_defect or is_seller_cancelled)

),

loaded_days as (

    select
        account_id,
        marketplace_id,
        partition_date,
        case
            when report_type like 'GET_FLAT_FILE_ALL_ORDERS_DATA%' then 'orders'
            when report_type = 'GET_SELLER_FEEDBACK_DATA' then 'feedback'
            when report_type like 'GET_FLAT_FILE_RETURNS_DATA%' then 'returns'
        end as source
    from load_logs

),

denominators as (

    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        coalesce(sum(daily_counts.metric_orders_count), 0) as denominator
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
        recomputable.window_days

),

numerators as (

    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        count(defective_orders.order_date) filter (
            where case recomputable.metric_name
                when 'order_defect_rate'
                    then defective_orders.first_odr_defect_date <= recomputable.snapshot_date
                when 'order_defect_rate_claims'
                    then defective_orders.first_a_to_z_claim_date <= recomputable.snapshot_date
                when 'order_defect_rate_negative_feedback'
                    then defective_orders.first_negative_feedback_date <= recomputable.snapshot_date
                when 'pre_fulfillment_cancellation_rate'
                    then defective_orders.seller_cancelled_at <= recomputable.snapshot_at
            end
        ) as numerator
    from recomputable
    left join defective_orders
        on
            recomputable.account_id = defective_orders.account_id
            and recomputable.marketplace_id = defective_orders.marketplace_id
            and recomputable.fulfillment_channel = defective_orders.fulfillment_channel
            and defective_orders.order_date between recomputable.window_start_date and recomputable.window_end_date
    group by
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days

),

coverage as (

    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        count(distinct loaded_days.partition_date) filter (where loaded_days.source = 'orders') as order_days_loaded,
        count(distinct loaded_days.partition_date) filter (where loaded_days.source = 'feedback')
            as feedback_days_loaded,
        count(distinct loaded_days.partition_date) filter (where loaded_days.source = 'returns')
            as returns_days_loaded
    from recomputable
    left join loaded_days
        on
            recomputable.account_id = loaded_days.account_id
            and recomputable.marketplace_id = loaded_days.marketplace_id
            and loaded_days.partition_date between recomputable.window_start_date and recomputable.snapshot_date
    group by
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days

),

final as (

    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.snapshot_at,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        cast(numerators.numerator as double) / nullif(denominators.denominator, 0) as value,
        cast(numerators.numerator as bigint) as numerator,
        cast(denominators.denominator as bigint) as denominator,
        recomputable.target_value,
        recomputable.target_condition,
        recomputable.window_start_date,
        recomputable.window_end_date,
        recomputable.report_id,
        {{ is_target_missed(
            'cast(numerators.numerator as double) / nullif(denominators.denominator, 0)',
            'recomputable.target_value',
            'recomputable.target_condition'
        ) }} as is_target_missed,
        cast(coverage.order_days_loaded as integer) as order_days_loaded,
        coverage.order_days_loaded = date_diff('day', recomputable.window_start_date, recomputable.snapshot_date) + 1
        and (
            recomputable.metric_name = 'pre_fulfillment_cancellation_rate'
            or (
                coverage.feedback_days_loaded = coverage.order_days_loaded
                and coverage.returns_days_loaded = coverage.order_days_loaded
            )
        ) as is_window_covered
    from recomputable
    inner join denominators
        on
            recomputable.account_id = denominators.account_id
            and recomputable.marketplace_id = denominators.marketplace_id
            and recomputable.snapshot_date = denominators.snapshot_date
            and recomputable.metric_name = denominators.metric_name
            and recomputable.fulfillment_channel = denominators.fulfillment_channel
            and recomputable.window_days = denominators.window_days
    inner join numerators
        on
            recomputable.account_id = numerators.account_id
            and recomputable.marketplace_id = numerators.marketplace_id
            and recomputable.snapshot_date = numerators.snapshot_date
            and recomputable.metric_name = numerators.metric_name
            and recomputable.fulfillment_channel = numerators.fulfillment_channel
            and recomputable.window_days = numerators.window_days
    inner join coverage
        on
            recomputable.account_id = coverage.account_id
            and recomputable.marketplace_id = coverage.marketplace_id
            and recomputable.snapshot_date = coverage.snapshot_date
            and recomputable.metric_name = coverage.metric_name
            and recomputable.fulfillment_channel = coverage.fulfillment_channel
            and recomputable.window_days = coverage.window_days

)

select * from final
