{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('rating_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x rating_date (every day with a performance snapshot):
-- our estimated AHR beside Amazon's reported one, the bands of both, Amazon's account status, the
-- cause of an At Risk or Critical band (band_cause), Account Health Assurance eligibility and the
-- components of the estimate, with the model behind it (model_source: calibrated from the reported
-- history, or the seeds; fit_scope and parameters_from: where the calibrated parameters were
-- learned). Rebuilds [min_date, max_date]; the AHA window
-- reads back aha_window_days before min_date so a one-day run equals a full refresh.
with

ratings as (

    select * from {{ ref('int_account_health_ratings_estimated') }}

),

parameters as (

    select * from {{ ref('int_rating_parameters_pivoted') }}

),

causes as (

    select * from {{ ref('int_band_causes_ranked') }}
    where {{ in_date_range('snapshot_date') }}

),

history as (

    select ratings.*
    from ratings
    cross join parameters
    where
        ratings.rating_date >= {{ min_date() }} - (parameters.aha_window_days - 1)
        and ratings.rating_date <= {{ max_date() }}

),

first_seen as (

    select
        account_id,
        marketplace_id,
        min(rating_date) as first_rating_date
    from ratings
    group by account_id, marketplace_id

),

aha_counts as (

    -- Account Health Assurance (docs/rating.md): rating >= 250 for 6 months with at most 10 days
    -- below 250. Judged on our estimate (the reported rating is often absent); the account must
    -- have been rated for the whole window, and must be at or above the threshold today.
    select
        history.account_id,
        history.marketplace_id,
        history.rating_date,
        count(*) as aha_days_observed,
        count(*) filter (where window_days.estimated_ahr < parameters.aha_threshold) as aha_days_below_threshold
    from history
    cross join parameters
    inner join history as window_days
        on
            history.account_id = window_days.account_id
            and history.marketplace_id = window_days.marketplace_id
            and window_days.rating_date
            between history.rating_date - (parameters.aha_window_days - 1) and history.rating_date
    group by history.account_id, history.marketplace_id, history.rating_date

),

aha_windows as (

    select
        history.*,
        aha_counts.aha_days_observed,
        aha_counts.aha_days_below_threshold,
        parameters.aha_threshold,
        parameters.aha_max_days_below,
        parameters.aha_window_days
    from history
    cross join parameters
    inner join aha_counts
        on
            history.account_id = aha_counts.account_id
            and history.marketplace_id = aha_counts.marketplace_id
            and history.rating_date = aha_counts.rating_date

),

final as (

    select
        cast(aha_windows.account_id as varchar) as account_id,
        cast(aha_windows.marketplace_id as varchar) as marketplace_id,
        cast(aha_windows.rating_date as date) as rating_date,
        cast(aha_windows.estimated_ahr as integer) as estimated_ahr,
        cast(aha_windows.reported_ahr as integer) as reported_ahr,
        cast(aha_windows.ahr_gap as integer) as ahr_gap,
        cast(aha_windows.band as varchar) as band,
        cast(aha_windows.reported_band as varchar) as reported_band,
        cast(aha_windows.account_status as varchar) as account_status,
        -- the cause is shown where either band (ours or Amazon's) is below Healthy: a seller asks
        -- "why" of an At Risk or Critical rating, and the category costing most points answers it
        cast(case
            when aha_windows.band in ('At Risk', 'Critical') or aha_windows.reported_band in ('At Risk', 'Critical')
                then coalesce(causes.band_cause, 'no open policy violation')
        end as varchar) as band_cause,
        cast(aha_windows.reported_ahr_status as varchar) as reported_ahr_status,
        cast(
            aha_windows.estimated_ahr >= aha_windows.aha_threshold
            and aha_windows.aha_days_below_threshold <= aha_windows.aha_max_days_below
            and first_seen.first_rating_date <= aha_windows.rating_date - (aha_windows.aha_window_days - 1)
            as boolean
        ) as is_aha_eligible,
        cast(aha_windows.aha_days_observed as integer) as aha_days_observed,
        cast(aha_windows.aha_days_below_threshold as integer) as aha_days_below_threshold,
        cast(aha_windows.start_rating as integer) as start_rating,
        cast(aha_windows.orders_180d as integer) as orders_180d,
        cast(aha_windows.mcf_orders_180d as integer) as mcf_orders_180d,
        cast(aha_windows.volume_credit_orders as integer) as volume_credit_orders,
        cast(aha_windows.volume_credit as integer) as volume_credit,
        cast(aha_windows.is_volume_credit_known as boolean) as is_volume_credit_known,
        cast(aha_windows.order_days_loaded_180d as integer) as order_days_loaded_180d,
        cast(aha_windows.total_deduction as integer) as total_deduction,
        cast(aha_windows.open_categories_count as integer) as open_categories_count,
        cast(aha_windows.open_defects_count as integer) as open_defects_count,
        cast(aha_windows.has_open_critical_violation as boolean) as has_open_critical_violation,
        cast(aha_windows.is_critical_override_active as boolean) as is_critical_override_active,
        cast(aha_windows.unclamped_ahr as integer) as unclamped_ahr,
        cast(aha_windows.report_id as varchar) as report_id,
        cast(aha_windows.model_source as varchar) as model_source,
        cast(aha_windows.fit_scope as varchar) as fit_scope,
        cast(aha_windows.parameters_from as varchar) as parameters_from
    from aha_windows
    inner join first_seen
        on
            aha_windows.account_id = first_seen.account_id
            and aha_windows.marketplace_id = first_seen.marketplace_id
    left join causes
        on
            aha_windows.account_id = causes.account_id
            and aha_windows.marketplace_id = causes.marketplace_id
            and aha_windows.rating_date = causes.snapshot_date
    where {{ in_date_range('aha_windows.rating_date') }}

)

select * from final
