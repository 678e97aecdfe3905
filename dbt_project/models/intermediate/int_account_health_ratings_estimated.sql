{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('rating_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x snapshot_date: the estimated Account Health Rating and its
-- components, beside Amazon's reported rating. The parameters are those in effect for the account x
-- marketplace (int_rating_parameters_resolved: calibrated from the reported history, or the seeds;
-- model_source says which) and the points per violation int_policy_violations_deducted applies:
--   unclamped = start + volume credit - sum(open defects x points)     (whole points each)
--   the floor: not below floor_without_serious_violations while no open violation is above low
--   the override: critical_override_rating once a critical violation has shown for
--   critical_override_delay_days; else the result clamped to the 0-1000 scale (macro rating_estimate).
-- The volume credit counts volume_credit_orders (int_order_volumes_windowed: the 180-day orders,
-- extrapolated from the loaded days while raw covers only part of the window), at most
-- volume_credit_max_points. Incremental by rating date: a run rates [min_date, max_date] with the
-- parameters of that run (a full refresh re-rates the history with today's).
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

    select * from {{ ref('int_policy_violations_deducted') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

parameters as (

    select * from {{ ref('int_rating_parameters_resolved') }}

),

bands as (

    select * from {{ ref('rating_bands') }}

),

deductions as (

    select
        violations.account_id,
        violations.marketplace_id,
        violations.snapshot_date,
        sum(violations.points_deducted) as total_deduction,
        count(*) filter (where violations.is_open) as open_categories_count,
        sum(violations.defects_count) as open_defects_count,
        bool_or(violations.is_open_critical) as has_open_critical_violation,
        bool_or(violations.is_open_serious) as has_open_serious_violation,
        bool_or(
            violations.is_open_critical
            and violations.snapshot_date - violations.open_since_date >= parameters.critical_override_delay_days
        ) as is_critical_override_active
    from violations
    inner join parameters
        on
            violations.account_id = parameters.account_id
            and violations.marketplace_id = parameters.marketplace_id
    group by violations.account_id, violations.marketplace_id, violations.snapshot_date

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
        parameters.model_source,
        parameters.fit_scope,
        parameters.parameters_from,
        {{ whole_points('parameters.start_rating') }} as start_rating,
        coalesce(volumes.orders_in_window, 0) as orders_180d,
        coalesce(volumes.mcf_orders_in_window, 0) as mcf_orders_180d,
        coalesce(volumes.is_orders_partition_loaded, false) as is_volume_credit_known,
        coalesce(volumes.order_days_loaded, 0) as order_days_loaded_180d,
        case
            when coalesce(volumes.is_orders_partition_loaded, false) then volumes.volume_credit_orders else 0
        end as volume_credit_orders,
        case
            when coalesce(volumes.is_orders_partition_loaded, false)
                then {{ volume_credit(
                    'volumes.volume_credit_orders',
                    'parameters.volume_credit_orders_per_step',
                    'parameters.volume_credit_points_per_step',
                    'parameters.volume_credit_max_points',
                ) }}
            else 0
        end as volume_credit,
        coalesce(deductions.total_deduction, 0) as total_deduction,
        coalesce(deductions.open_categories_count, 0) as open_categories_count,
        coalesce(deductions.open_defects_count, 0) as open_defects_count,
        coalesce(deductions.has_open_critical_violation, false) as has_open_critical_violation,
        coalesce(deductions.has_open_serious_violation, false) as has_open_serious_violation,
        coalesce(deductions.is_critical_override_active, false) as is_critical_override_active,
        {{ whole_points('parameters.floor_without_serious_violations') }} as floor_without_serious_violations,
        {{ whole_points('parameters.critical_override_rating') }} as critical_override_rating,
        parameters.min_rating,
        parameters.max_rating
    from snapshots
    inner join parameters
        on
            snapshots.account_id = parameters.account_id
            and snapshots.marketplace_id = parameters.marketplace_id
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
        {{ floored_rating(
            'start_rating + volume_credit - total_deduction',
            'has_open_serious_violation',
            'floor_without_serious_violations',
        ) }} as floored_ahr,
        {{ rating_estimate(
            'start_rating + volume_credit - total_deduction',
            'has_open_serious_violation',
            'floor_without_serious_violations',
            'is_critical_override_active',
            'critical_override_rating',
            'min_rating',
            'max_rating',
        ) }} as estimated_ahr
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
        cast(estimated.volume_credit_orders as integer) as volume_credit_orders,
        cast(estimated.volume_credit as integer) as volume_credit,
        estimated.is_volume_credit_known,
        cast(estimated.order_days_loaded_180d as integer) as order_days_loaded_180d,
        cast(estimated.total_deduction as integer) as total_deduction,
        cast(estimated.open_categories_count as integer) as open_categories_count,
        cast(estimated.open_defects_count as integer) as open_defects_count,
        estimated.has_open_critical_violation,
        estimated.has_open_serious_violation,
        estimated.is_critical_override_active,
        cast(estimated.unclamped_ahr as integer) as unclamped_ahr,
        cast(estimated.floored_ahr as integer) as floored_ahr,
        cast(estimated.floor_without_serious_violations as integer) as floor_without_serious_violations,
        cast(estimated.critical_override_rating as integer) as critical_override_rating,
        estimated.model_source,
        estimated.fit_scope,
        estimated.parameters_from,
        estimated.report_id
    from estimated
    left join bands as estimated_band
        on estimated.estimated_ahr between estimated_band.min_rating and estimated_band.max_rating
    left join bands as reported_band
        on estimated.reported_ahr between reported_band.min_rating and reported_band.max_rating

)

select * from final
