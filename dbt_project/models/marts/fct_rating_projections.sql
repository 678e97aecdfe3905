-- One row per account x marketplace x projection_date (each of the rating_projection_horizon_days
-- days after the latest rating): the estimated rating projected "if nothing new happens", and the
-- first day its band would change.
--   Violations: none opens or is resolved; each open one leaves the 180-day window on its own
--   (volume_credit_window_days after it opened). Opening days come from the history of counts:
--   a rise of a category's count opens that many violations on that day, a fall closes the oldest
--   ones first (first in, first out: Amazon's own roll-off closes the oldest); the violations of a
--   category's first snapshot have an unknown opening day and are taken as opened that day (the
--   latest they can have opened: they stay in the projection as long as they possibly can).
--   Orders: the volume credit stays as on the latest day (sales go on at the same pace).
--   Parameters: those of the latest estimate (calibrated or seeds, model_source), same formula.
-- Customer-service metrics are not part of the Account Health Rating (it measures policy
-- compliance), so their defects leaving the metric windows show as metrics_projected_missing_count
-- from fct_metric_projections, the same day, beside the projected rating.
with

ratings as (

    select * from {{ ref('int_account_health_ratings_estimated') }}

),

violations as (

    select * from {{ ref('int_policy_violations_deducted') }}

),

parameters as (

    select * from {{ ref('int_rating_parameters_resolved') }}

),

bands as (

    select * from {{ ref('rating_bands') }}

),

metric_projections as (

    select * from {{ ref('fct_metric_projections') }}

),

latest as (

    select *
    from ratings
    qualify row_number() over (partition by account_id, marketplace_id order by rating_date desc) = 1

),

opens_and_closes as (

    -- per category and snapshot: violations opened (the first snapshot's count opens on that day)
    -- and closed since the previous snapshot
    select
        account_id,
        marketplace_id,
        category,
        snapshot_date,
        case when previous_defects_count is null then defects_count else new_count end as opened_count,
        coalesce(resolved_count, 0) as closed_count
    from violations

),

category_totals as (

    -- as of the latest rating: every violation opened and closed so far, and the latest row's facts
    select
        latest.account_id,
        latest.marketplace_id,
        latest.rating_date as as_of_date,
        as_of.category,
        as_of.severity,
        as_of.points_per_violation,
        as_of.is_open_critical,
        as_of.open_since_date,
        as_of.defects_count as defects_count_as_of,
        sum(opens_and_closes.opened_count) as opened_total,
        sum(opens_and_closes.closed_count) as closed_total
    from latest
    inner join violations as as_of
        on
            latest.account_id = as_of.account_id
            and latest.marketplace_id = as_of.marketplace_id
            and latest.rating_date = as_of.snapshot_date
    inner join opens_and_closes
        on
            as_of.account_id = opens_and_closes.account_id
            and as_of.marketplace_id = opens_and_closes.marketplace_id
            and as_of.category = opens_and_closes.category
            and latest.rating_date >= opens_and_closes.snapshot_date
    group by all

),

projection_days as (

    select
        latest.*,
        cast(horizon.day_offset as integer) as days_ahead,
        latest.rating_date + cast(horizon.day_offset as integer) as projection_date
    from latest
    cross join unnest(range(1, {{ var('rating_projection_horizon_days') }} + 1)) as horizon (day_offset)

),

category_days as (

    -- violations still open on the projection date: opened ones minus those closed already and
    -- those opened window_days or more before it (first in, first out)
    select
        projection_days.account_id,
        projection_days.marketplace_id,
        projection_days.projection_date,
        category_totals.category,
        category_totals.severity,
        category_totals.points_per_violation,
        category_totals.open_since_date,
        category_totals.is_open_critical,
        category_totals.defects_count_as_of,
        greatest(
            category_totals.opened_total - greatest(
                category_totals.closed_total,
                coalesce((
                    select sum(aged.opened_count)
                    from opens_and_closes as aged
                    where
                        aged.account_id = category_totals.account_id
                        and aged.marketplace_id = category_totals.marketplace_id
                        and aged.category = category_totals.category
                        and aged.snapshot_date
                        <= projection_days.projection_date - parameters.volume_credit_window_days
                ), 0)
            ),
            0
        ) as projected_defects_count,
        parameters.critical_override_delay_days
    from projection_days
    inner join parameters
        on
            projection_days.account_id = parameters.account_id
            and projection_days.marketplace_id = parameters.marketplace_id
    inner join category_totals
        on
            projection_days.account_id = category_totals.account_id
            and projection_days.marketplace_id = category_totals.marketplace_id

),

day_deductions as (

    select
        account_id,
        marketplace_id,
        projection_date,
        sum(projected_defects_count) as projected_open_defects_count,
        sum(defects_count_as_of) - sum(projected_defects_count) as rolled_off_defects_count,
        sum({{ whole_points('projected_defects_count * points_per_violation') }}) as projected_total_deduction,
        coalesce(bool_or(projected_defects_count > 0 and severity in ('medium', 'high', 'critical')), false)
            as has_open_serious_violation,
        coalesce(bool_or(
            projected_defects_count > 0
            and is_open_critical
            and projection_date - open_since_date >= critical_override_delay_days
        ), false) as is_critical_override_active
    from category_days
    group by account_id, marketplace_id, projection_date

),

projected as (

    select
        projection_days.account_id,
        projection_days.marketplace_id,
        projection_days.projection_date,
        projection_days.rating_date as as_of_date,
        projection_days.days_ahead,
        projection_days.estimated_ahr as estimated_ahr_as_of,
        projection_days.band as band_as_of,
        projection_days.volume_credit,
        coalesce(day_deductions.projected_open_defects_count, 0) as projected_open_defects_count,
        coalesce(day_deductions.rolled_off_defects_count, 0) as rolled_off_defects_count,
        coalesce(day_deductions.projected_total_deduction, 0) as projected_total_deduction,
        coalesce(day_deductions.is_critical_override_active, false) as is_critical_override_active,
        {{ rating_estimate(
            'projection_days.start_rating + projection_days.volume_credit'
            ~ ' - coalesce(day_deductions.projected_total_deduction, 0)',
            'coalesce(day_deductions.has_open_serious_violation, false)',
            'projection_days.floor_without_serious_violations',
            'coalesce(day_deductions.is_critical_override_active, false)',
            'projection_days.critical_override_rating',
            'parameters.min_rating',
            'parameters.max_rating',
        ) }} as projected_ahr,
        projection_days.model_source,
        projection_days.parameters_from
    from projection_days
    inner join parameters
        on
            projection_days.account_id = parameters.account_id
            and projection_days.marketplace_id = parameters.marketplace_id
    left join day_deductions
        on
            projection_days.account_id = day_deductions.account_id
            and projection_days.marketplace_id = day_deductions.marketplace_id
            and projection_days.projection_date = day_deductions.projection_date

),

banded as (

    select
        projected.*,
        bands.band as projected_band,
        (bands.band is distinct from projected.band_as_of) as is_band_changed
    from projected
    left join bands
        on projected.projected_ahr between bands.min_rating and bands.max_rating

),

first_change as (

    select
        account_id,
        marketplace_id,
        min(projection_date) as first_band_change_date,
        arg_min(projected_band, projection_date) as next_projected_band
    from banded
    where is_band_changed
    group by account_id, marketplace_id

),

metrics_missing as (

    select
        account_id,
        marketplace_id,
        projection_date,
        count(*) filter (where is_projected_target_missed) as metrics_projected_missing_count
    from metric_projections
    group by account_id, marketplace_id, projection_date

),

final as (

    select
        cast(banded.account_id as varchar) as account_id,
        cast(banded.marketplace_id as varchar) as marketplace_id,
        cast(banded.projection_date as date) as projection_date,
        cast(banded.as_of_date as date) as as_of_date,
        cast(banded.days_ahead as integer) as days_ahead,
        cast(banded.projected_ahr as integer) as projected_ahr,
        cast(banded.projected_band as varchar) as projected_band,
        cast(banded.estimated_ahr_as_of as integer) as estimated_ahr_as_of,
        cast(banded.band_as_of as varchar) as band_as_of,
        cast(banded.is_band_changed as boolean) as is_band_changed,
        cast(first_change.first_band_change_date as date) as first_band_change_date,
        cast(first_change.next_projected_band as varchar) as next_projected_band,
        cast(banded.projected_open_defects_count as integer) as projected_open_defects_count,
        cast(banded.rolled_off_defects_count as integer) as rolled_off_defects_count,
        cast(banded.projected_total_deduction as integer) as projected_total_deduction,
        cast(banded.volume_credit as integer) as volume_credit,
        cast(banded.is_critical_override_active as boolean) as is_critical_override_active,
        cast(coalesce(metrics_missing.metrics_projected_missing_count, 0) as integer)
            as metrics_projected_missing_count,
        cast(banded.model_source as varchar) as model_source,
        cast(banded.parameters_from as varchar) as parameters_from
    from banded
    left join first_change
        on
            banded.account_id = first_change.account_id
            and banded.marketplace_id = first_change.marketplace_id
    left join metrics_missing
        on
            banded.account_id = metrics_missing.account_id
            and banded.marketplace_id = metrics_missing.marketplace_id
            and banded.projection_date = metrics_missing.projection_date

)

select * from final
