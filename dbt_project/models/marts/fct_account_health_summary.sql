-- One row per account x marketplace: the latest rating day at a glance, for the demo table and
-- dashboards (`select * from marts.fct_account_health_summary`): Amazon's reported AHR, our
-- estimate and band, the metric pressing hardest on its target (value / target for LESS_THAN,
-- shortfall / allowed shortfall for GREATER_THAN; >= 1 misses), the next roll-off of a defect,
-- the 180-day order volume with multi-channel fulfillment orders counted apart, the model behind
-- the estimate (model_source, parameters_from) and the first day its band is projected to change
-- (fct_rating_projections).
with

ratings as (

    select * from {{ ref('fct_account_health_rating') }}

),

metrics as (

    select * from {{ ref('fct_health_metrics_daily') }}

),

rolloffs as (

    select * from {{ ref('fct_defect_rolloff_calendar') }}

),

rating_projections as (

    select * from {{ ref('fct_rating_projections') }}

),

latest_rating as (

    select *
    from ratings
    qualify row_number() over (
            partition by account_id, marketplace_id
            order by rating_date desc
        ) = 1

),

worst_metric as (

    select
        metrics.account_id,
        metrics.marketplace_id,
        metrics.metric_name,
        metrics.fulfillment_channel,
        metrics.window_days,
        metrics.value,
        metrics.target_value,
        metrics.target_condition,
        metrics.is_target_missed,
        metrics.amazon_status,
        {{ target_pressure('metrics.value', 'metrics.target_value', 'metrics.target_condition') }}
            as target_pressure
    from metrics
    inner join latest_rating
        on
            metrics.account_id = latest_rating.account_id
            and metrics.marketplace_id = latest_rating.marketplace_id
            and metrics.metric_date = latest_rating.rating_date
    where
        metrics.source = 'reported'
        and metrics.value is not null
        and {{ target_pressure('metrics.value', 'metrics.target_value', 'metrics.target_condition') }} is not null
    qualify row_number() over (
            partition by metrics.account_id, metrics.marketplace_id
            order by
                target_pressure desc,
                metrics.metric_name asc,
                metrics.fulfillment_channel asc,
                metrics.window_days asc
        ) = 1

),

next_rolloff as (

    -- the first day a defect leaves its window, and what leaves that day: the metric and channel
    -- losing most defective orders then (a seller asks "what improves next", not only "when")
    select
        account_id,
        marketplace_id,
        rolloff_date as next_rolloff_date,
        metric_name as next_rolloff_metric_name,
        fulfillment_channel as next_rolloff_fulfillment_channel,
        count(*) as next_rolloff_defects_count
    from rolloffs
    where is_in_current_window and rolloff_date > as_of_date
    group by account_id, marketplace_id, rolloff_date, metric_name, fulfillment_channel
    qualify row_number() over (
            partition by account_id, marketplace_id
            order by rolloff_date asc, count(*) desc, metric_name asc, fulfillment_channel asc
        ) = 1

),

band_change as (

    select distinct
        account_id,
        marketplace_id,
        first_band_change_date,
        next_projected_band
    from rating_projections

),

final as (

    select
        cast(latest_rating.account_id as varchar) as account_id,
        cast(latest_rating.marketplace_id as varchar) as marketplace_id,
        cast(latest_rating.rating_date as date) as rating_date,
        cast(latest_rating.account_status as varchar) as account_status,
        cast(latest_rating.reported_ahr as integer) as reported_ahr,
        cast(latest_rating.estimated_ahr as integer) as estimated_ahr,
        cast(latest_rating.ahr_gap as integer) as ahr_gap,
        cast(latest_rating.band as varchar) as band,
        cast(latest_rating.reported_band as varchar) as reported_band,
        cast(latest_rating.band_cause as varchar) as band_cause,
        cast(latest_rating.is_aha_eligible as boolean) as is_aha_eligible,
        cast(latest_rating.is_volume_credit_known as boolean) as is_volume_credit_known,
        cast(latest_rating.orders_180d as integer) as orders_180d,
        cast(latest_rating.mcf_orders_180d as integer) as mcf_orders_180d,
        cast(worst_metric.metric_name as varchar) as worst_metric_name,
        cast(worst_metric.fulfillment_channel as varchar) as worst_metric_fulfillment_channel,
        cast(worst_metric.window_days as integer) as worst_metric_window_days,
        cast(worst_metric.value as double) as worst_metric_value,
        cast(worst_metric.target_value as double) as worst_metric_target_value,
        cast(worst_metric.target_condition as varchar) as worst_metric_target_condition,
        cast(worst_metric.target_pressure as double) as worst_metric_target_pressure,
        cast(worst_metric.is_target_missed as boolean) as is_worst_metric_target_missed,
        cast(worst_metric.amazon_status as varchar) as worst_metric_amazon_status,
        cast(next_rolloff.next_rolloff_date as date) as next_rolloff_date,
        cast(next_rolloff.next_rolloff_metric_name as varchar) as next_rolloff_metric_name,
        cast(next_rolloff.next_rolloff_fulfillment_channel as varchar) as next_rolloff_fulfillment_channel,
        cast(next_rolloff.next_rolloff_defects_count as integer) as next_rolloff_defects_count,
        cast(latest_rating.model_source as varchar) as model_source,
        cast(latest_rating.parameters_from as varchar) as parameters_from,
        cast(band_change.first_band_change_date as date) as next_band_change_date,
        cast(band_change.next_projected_band as varchar) as next_projected_band
    from latest_rating
    left join worst_metric
        on
            latest_rating.account_id = worst_metric.account_id
            and latest_rating.marketplace_id = worst_metric.marketplace_id
    left join next_rolloff
        on
            latest_rating.account_id = next_rolloff.account_id
            and latest_rating.marketplace_id = next_rolloff.marketplace_id
    left join band_change
        on
            latest_rating.account_id = band_change.account_id
            and latest_rating.marketplace_id = band_change.marketplace_id

)

select * from final
