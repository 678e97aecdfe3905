{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('snapshot_date') }}",
        on_schema_change='fail',
    )
}}
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
-- The denominator is the orders Amazon had at snapshot_at: not those placed later that day (V1's
-- windows end on the snapshot day), nor those a document showed still Pending then (seen when
-- orders are extracted daily; pending_at_snapshot_count says how many were taken out).
-- Chargebacks are in no report we extract, so the recomputed order defect rate's numerator is a
-- lower bound; its claims and negative feedback parts are exact.
-- Covered: every partition day from the window's first day to the snapshot date is loaded for
-- orders (and, for the order defect rates, feedback and returns), and the orders partitions reach
-- as far as the window's orders can still be updated (windows_to_cover): a window only partly
-- loaded (history shorter than the window, a backfill extracted long after its range) cannot
-- match Amazon and says so.
-- Incremental by snapshot date: stored, since fct_metric_reconciliation and
-- fct_health_metrics_daily both read it.
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

orders as (

    select * from {{ ref('int_orders_rolled_up') }}

),

order_versions as (

    select * from {{ ref('stg_spapi__order_versions') }}

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
        {% if is_incremental() -%}
            and {{ in_date_range('reported.snapshot_date') }}
        {%- endif %}

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

orders_generated as (

    -- the last day the orders documents can speak for: the day before the latest one was generated
    -- (a document generated on day G lists each order at its last update by then; updates of day G
    -- itself after that moment reach raw with the next document)
    select
        account_id,
        marketplace_id,
        cast(max(generated_at) as date) - 1 as last_day_seen
    from load_logs
    where report_type like 'GET_FLAT_FILE_ALL_ORDERS_DATA%'
    group by account_id, marketplace_id

),

windows_to_cover as (

    -- an order of the window can still change (and move to a later partition) for order_update_days
    -- after its purchase: the orders partitions must reach that far, or to the last day the documents
    -- were generated for, whichever comes first. A backfill of an old range extracted long after
    -- (documents generated later than its last partition) leaves the later updates out: not covered.
    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        recomputable.window_start_date,
        greatest(
            recomputable.snapshot_date,
            least(
                recomputable.window_end_date + {{ var('order_update_days') }},
                coalesce(orders_generated.last_day_seen, recomputable.snapshot_date)
            )
        ) as orders_cover_end_date
    from recomputable
    left join orders_generated
        on
            recomputable.account_id = orders_generated.account_id
            and recomputable.marketplace_id = orders_generated.marketplace_id

),

snapshot_moments as (

    select distinct
        account_id,
        marketplace_id,
        snapshot_date,
        snapshot_at
    from recomputable

),

orders_after_snapshot as (

    -- orders of the snapshot day placed after the snapshot moment: in a window ending on the
    -- snapshot day (V1's) Amazon had not seen them; int_order_counts_daily counts whole days
    select
        snapshot_moments.account_id,
        snapshot_moments.marketplace_id,
        snapshot_moments.snapshot_date,
        orders.fulfillment_channel,
        orders.order_date,
        count(*) as orders_count
    from snapshot_moments
    inner join orders
        on
            snapshot_moments.account_id = orders.account_id
            and snapshot_moments.marketplace_id = orders.marketplace_id
            and snapshot_moments.snapshot_date = orders.order_date
            and snapshot_moments.snapshot_at < orders.purchased_at
    where orders.is_marketplace_order and not orders.is_pending
    group by all

),

pending_spells as (

    -- orders a document showed Pending and a later one authorized: Pending from their purchase until
    -- (at least) the first authorized version's update. Only daily extraction keeps such versions; a
    -- backfill shows each order's latest state, so an order Pending at a past snapshot moment and
    -- authorized later cannot be told from one authorized at once.
    select
        account_id,
        marketplace_id,
        amazon_order_id,
        any_value(fulfillment_channel) as fulfillment_channel,
        min(order_date) as order_date,
        min(purchased_at) as purchased_at,
        min(last_updated_at) filter (where not is_pending) as authorized_seen_at
    from order_versions
    where is_marketplace_order
    group by account_id, marketplace_id, amazon_order_id
    having bool_or(is_pending) and bool_or(not is_pending)

),

pending_at_snapshot as (

    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        count(*) as orders_count
    from recomputable
    inner join pending_spells
        on
            recomputable.account_id = pending_spells.account_id
            and recomputable.marketplace_id = pending_spells.marketplace_id
            and recomputable.fulfillment_channel = pending_spells.fulfillment_channel
            and pending_spells.order_date between recomputable.window_start_date and recomputable.window_end_date
            and recomputable.snapshot_at >= pending_spells.purchased_at
            and recomputable.snapshot_at < pending_spells.authorized_seen_at
    group by all

),

loaded_days as (

    select distinct
        account_id,
        marketplace_id,
        partition_date,
        case
            when report_type like 'GET_FLAT_FILE_ALL_ORDERS_DATA%' then 'orders'
            when report_type = 'GET_SELLER_FEEDBACK_DATA' then 'feedback'
            when report_type like 'GET_FLAT_FILE_RETURNS_DATA%' then 'returns'
        end as source
    from load_logs
    where
        report_type like 'GET_FLAT_FILE_ALL_ORDERS_DATA%'
        or report_type = 'GET_SELLER_FEEDBACK_DATA'
        or report_type like 'GET_FLAT_FILE_RETURNS_DATA%'

),

calendar_bounds as (

    select
        account_id,
        marketplace_id,
        min(first_day) - 1 as first_day,
        max(last_day) as last_day
    from (
        select
            account_id,
            marketplace_id,
            partition_date as first_day,
            partition_date as last_day
        from loaded_days
        union all
        select
            account_id,
            marketplace_id,
            window_start_date as first_day,
            orders_cover_end_date as last_day
        from windows_to_cover
    ) as days_seen
    group by account_id, marketplace_id

),

calendar as (

    select
        account_id,
        marketplace_id,
        cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as calendar_date
    from calendar_bounds

),

loaded_through as (

    -- per day, how many partition days are loaded up to it: a window's loaded days are then the
    -- difference of two days' counts (two equality joins instead of a range join per window)
    select
        calendar.account_id,
        calendar.marketplace_id,
        calendar.calendar_date,
        sum(count(loaded_days.partition_date) filter (where loaded_days.source = 'orders')) over (
            partition by calendar.account_id, calendar.marketplace_id order by calendar.calendar_date
        ) as orders_days,
        sum(count(loaded_days.partition_date) filter (where loaded_days.source = 'feedback')) over (
            partition by calendar.account_id, calendar.marketplace_id order by calendar.calendar_date
        ) as feedback_days,
        sum(count(loaded_days.partition_date) filter (where loaded_days.source = 'returns')) over (
            partition by calendar.account_id, calendar.marketplace_id order by calendar.calendar_date
        ) as returns_days
    from calendar
    left join loaded_days
        on
            calendar.account_id = loaded_days.account_id
            and calendar.marketplace_id = loaded_days.marketplace_id
            and calendar.calendar_date = loaded_days.partition_date
    group by calendar.account_id, calendar.marketplace_id, calendar.calendar_date

),

daily_denominators as (

    select
        recomputable.account_id,
        recomputable.marketplace_id,
        recomputable.snapshot_date,
        recomputable.metric_name,
        recomputable.fulfillment_channel,
        recomputable.window_days,
        coalesce(sum(daily_counts.metric_orders_count), 0) as daily_denominator
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

denominators as (

    -- Amazon's orders at the snapshot moment: the window's days, less the orders placed after the
    -- moment (windows ending on the snapshot day) and those still Pending then
    select
        daily_denominators.account_id,
        daily_denominators.marketplace_id,
        daily_denominators.snapshot_date,
        daily_denominators.metric_name,
        daily_denominators.fulfillment_channel,
        daily_denominators.window_days,
        daily_denominators.daily_denominator
        - coalesce(orders_after_snapshot.orders_count, 0)
        - coalesce(pending_at_snapshot.orders_count, 0) as denominator,
        coalesce(pending_at_snapshot.orders_count, 0) as pending_at_snapshot_count
    from daily_denominators
    inner join recomputable
        on
            daily_denominators.account_id = recomputable.account_id
            and daily_denominators.marketplace_id = recomputable.marketplace_id
            and daily_denominators.snapshot_date = recomputable.snapshot_date
            and daily_denominators.metric_name = recomputable.metric_name
            and daily_denominators.fulfillment_channel = recomputable.fulfillment_channel
            and daily_denominators.window_days = recomputable.window_days
    left join orders_after_snapshot
        on
            daily_denominators.account_id = orders_after_snapshot.account_id
            and daily_denominators.marketplace_id = orders_after_snapshot.marketplace_id
            and daily_denominators.snapshot_date = orders_after_snapshot.snapshot_date
            and daily_denominators.fulfillment_channel = orders_after_snapshot.fulfillment_channel
            and orders_after_snapshot.order_date
            between recomputable.window_start_date and recomputable.window_end_date
    left join pending_at_snapshot
        on
            daily_denominators.account_id = pending_at_snapshot.account_id
            and daily_denominators.marketplace_id = pending_at_snapshot.marketplace_id
            and daily_denominators.snapshot_date = pending_at_snapshot.snapshot_date
            and daily_denominators.metric_name = pending_at_snapshot.metric_name
            and daily_denominators.fulfillment_channel = pending_at_snapshot.fulfillment_channel
            and daily_denominators.window_days = pending_at_snapshot.window_days

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
        windows_to_cover.account_id,
        windows_to_cover.marketplace_id,
        windows_to_cover.snapshot_date,
        windows_to_cover.metric_name,
        windows_to_cover.fulfillment_channel,
        windows_to_cover.window_days,
        through_snapshot.orders_days - through_start.orders_days as order_days_loaded,
        through_snapshot.feedback_days - through_start.feedback_days as feedback_days_loaded,
        through_snapshot.returns_days - through_start.returns_days as returns_days_loaded,
        through_cover_end.orders_days - through_start.orders_days
        = date_diff('day', windows_to_cover.window_start_date, windows_to_cover.orders_cover_end_date) + 1
            as are_order_updates_loaded
    from windows_to_cover
    inner join loaded_through as through_snapshot
        on
            windows_to_cover.account_id = through_snapshot.account_id
            and windows_to_cover.marketplace_id = through_snapshot.marketplace_id
            and windows_to_cover.snapshot_date = through_snapshot.calendar_date
    inner join loaded_through as through_cover_end
        on
            windows_to_cover.account_id = through_cover_end.account_id
            and windows_to_cover.marketplace_id = through_cover_end.marketplace_id
            and windows_to_cover.orders_cover_end_date = through_cover_end.calendar_date
    inner join loaded_through as through_start
        on
            windows_to_cover.account_id = through_start.account_id
            and windows_to_cover.marketplace_id = through_start.marketplace_id
            and windows_to_cover.window_start_date - 1 = through_start.calendar_date

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
        cast(denominators.pending_at_snapshot_count as bigint) as pending_at_snapshot_count,
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
        and coverage.are_order_updates_loaded
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
