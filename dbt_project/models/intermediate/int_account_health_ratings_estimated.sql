{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('rating_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x snapshot_date: the estimated Account Health Rating
-- (docs/rating.md) and its components, beside Amazon's reported rating. All numbers come from the
-- seeds rating_parameters, violation_categories and rating_bands.
--   estimate = clamp(start + volume credit - sum(open defects x points), min, max),
--   overridden to critical_override_rating while a critical-severity violation is open.
-- Incremental by rating date: a run rates [min_date, max_date].
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

volumes as (

    select * from {{ ref('int_order_volumes_windowed') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

violations as (

    select * from {{ ref('int_policy_violations_scored') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

parameters as (

    select * from {{ ref('int_rating_parameters_pivoted') }}

),

bands as (

    select * from {{ ref('rating_bands') }}

),

deductions as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        sum(points_deducted) as total_deduction,
        count(*) filter (where is_open) as open_categories_count,
        sum(defects_count) as open_defects_count,
        bool_or(is_open_critical) as has_open_critical_violation
    from violations
    group by account_id, marketplace_id, snapshot_date

),

components as (

    select
        snapshots.account_id,
        snapshots.marketplace_id,
        snapshots.snapshot_date as rating_date,
        snapshots.report_id,
        snapshots.account_status,
        snapshots.ahr_status as reported_ahr_status,
        snapshots.ahr_score as reported_ahr,
        parameters.start_rating,
        coalesce(volumes.orders_in_window, 0) as orders_180d,
        coalesce(volumes.mcf_orders_in_window, 0) as mcf_orders_180d,
        coalesce(volumes.is_orders_partition_loaded, false) as is_volume_credit_known,
        coalesce(volumes.order_days_loaded, 0) as order_days_loaded_180d,
        case
            when coalesce(volumes.is_orders_partition_loaded, false)
                then floor(volumes.orders_in_window / parameters.volume_credit_orders_per_step)
                    * parameters.volume_credit_points_per_step
            else 0
        end as volume_credit,
        coalesce(deductions.total_deduction, 0) as total_deduction,
        coalesce(deductions.open_categories_count, 0) as open_categories_count,
        coalesce(deductions.open_defects_count, 0) as open_defects_count,
        coalesce(deductions.has_open_critical_violation, false) as has_open_critical_violation,
        parameters.critical_override_rating,
        parameters.min_rating,
        parameters.max_rating
    from snapshots
    cross join parameters
    left join volumes
        on
            snapshots.account_id = volumes.account_id
            and snapshots.marketplace_id = volumes.marketplace_id
            and snapshots.snapshot_date = volumes.snapshot_date
    left join deductions
        on
            snapshots.account_id = deductions.account_id
            and snapshots.marketplace_id = deductions.marketplace_id
            and snapshots.snapshot_date = deductions.snapshot_date

),

estimated as (

    select
        *,
        start_rating + volume_credit - total_deduction as unclamped_ahr,
        case
            when has_open_critical_violation then critical_override_rating
            else least(greatest(start_rating + volume_credit - total_deduction, min_rating), max_rating)
        end as estimated_ahr
    from components

),

final as (

    select
        estimated.account_id,
        estimated.marketplace_id,
        estimated.rating_date,
        cast(estimated.estimated_ahr as integer) as estimated_ahr,
        estimated.reported_ahr,
        estimated.reported_ahr - cast(estimated.estimated_ahr as integer) as ahr_gap,
        estimated_band.band,
        reported_band.band as reported_band,
        estimated.account_status,
        estimated.reported_ahr_status,
        cast(estimated.start_rating as integer) as start_rating,
        cast(estimated.orders_180d as integer) as orders_180d,
        cast(estimated.mcf_orders_180d as integer) as mcf_orders_180d,
        cast(estimated.volume_credit as integer) as volume_credit,
        estimated.is_volume_credit_known,
        cast(estimated.order_days_loaded_180d as integer) as order_days_loaded_180d,
        cast(estimated.total_deduction as integer) as total_deduction,
        cast(estimated.open_categories_count as integer) as open_categories_count,
        cast(estimated.open_defects_count as integer) as open_defects_count,
        estimated.has_open_critical_violation,
        cast(estimated.unclamped_ahr as integer) as unclamped_ahr,
        estimated.report_id
    from estimated
    left join bands as estimated_band
        on estimated.estimated_ahr between estimated_band.min_rating and estimated_band.max_rating
    left join bands as reported_band
        on estimated.reported_ahr between reported_band.min_rating and reported_band.max_rating

)

select * from final
