-- One row per account x marketplace the calibration fitted (orchestration/calibration/): the
-- estimate's parameters learned from the reported ahrScore history, their standard errors, where
-- they were learned and their error on held-out reported days. Empty before the first fit.
with

source_rating_parameters as (

    select * from {{ documented_source_or_empty('calibration', 'rating_parameters') }}

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(fit_scope as varchar) as fit_scope,
        cast(parameters_from as varchar) as parameters_from,
        cast(start_rating as double) as start_rating,
        cast(start_rating_se as double) as start_rating_se,
        cast(volume_credit_orders_per_step as double) as volume_credit_orders_per_step,
        cast(volume_credit_points_per_step as double) as volume_credit_points_per_step,
        cast(volume_credit_points_per_step_se as double) as volume_credit_points_per_step_se,
        cast(volume_credit_max_points as double) as volume_credit_max_points,
        cast(volume_credit_max_points_se as double) as volume_credit_max_points_se,
        cast(floor_without_serious_violations as double) as floor_without_serious_violations,
        cast(floor_without_serious_violations_se as double) as floor_without_serious_violations_se,
        cast(critical_override_rating as double) as critical_override_rating,
        cast(critical_override_rating_se as double) as critical_override_rating_se,
        cast(critical_override_delay_days as integer) as critical_override_delay_days,
        cast(observations as integer) as observations,
        cast(fit_window_start as date) as fit_window_start,
        cast(fit_window_end as date) as fit_window_end,
        cast(held_out_days as integer) as held_out_days,
        cast(held_out_mae as double) as held_out_mae,
        cast(held_out_max_error as double) as held_out_max_error,
        cast(held_out_band_agreement as double) as held_out_band_agreement,
        cast(seeds_held_out_mae as double) as seeds_held_out_mae,
        cast(seeds_held_out_max_error as double) as seeds_held_out_max_error,
        cast(fitted_at as timestamp) as fitted_at
    from source_rating_parameters

)

select * from final
