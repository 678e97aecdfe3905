{% if var('rating_model') not in ['calibrated', 'seeds'] -%}
    {{ exceptions.raise_compiler_error(
        "var rating_model is '" ~ var('rating_model') ~ "': use 'calibrated' (the default) or 'seeds'"
    ) }}
{%- endif -%}
-- One row per account x marketplace with a performance snapshot: the parameters of the estimated
-- rating in effect for it. Calibrated (learned from Amazon's reported ahrScore history, the source
-- calibration.rating_parameters) where the calibration fitted the account x marketplace, else the
-- seed rating_parameters; var rating_model = 'seeds' pins the seeds everywhere. model_source says
-- which, fit_scope and parameters_from where the calibrated values were learned. The window, the
-- scale and the Account Health Assurance rule are always the seed's (Amazon publishes them).
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

seeds as (

    select * from {{ ref('int_rating_parameters_pivoted') }}

),

calibrated as (

    select * from {{ ref('stg_calibration__rating_parameters') }}
    {% if var('rating_model') == 'seeds' -%}
        where false
    {%- endif %}

),

pairs as (

    select distinct
        account_id,
        marketplace_id
    from snapshots

),

final as (

    select
        pairs.account_id,
        pairs.marketplace_id,
        case when calibrated.account_id is not null then 'calibrated' else 'seeds' end as model_source,
        coalesce(calibrated.fit_scope, 'seeds') as fit_scope,
        coalesce(calibrated.parameters_from, 'seeds rating_parameters and violation_categories')
            as parameters_from,
        coalesce(calibrated.start_rating, seeds.start_rating) as start_rating,
        coalesce(calibrated.volume_credit_orders_per_step, seeds.volume_credit_orders_per_step)
            as volume_credit_orders_per_step,
        coalesce(calibrated.volume_credit_points_per_step, seeds.volume_credit_points_per_step)
            as volume_credit_points_per_step,
        coalesce(calibrated.volume_credit_max_points, seeds.volume_credit_max_points)
            as volume_credit_max_points,
        seeds.volume_credit_window_days,
        coalesce(calibrated.floor_without_serious_violations, seeds.floor_without_serious_violations)
            as floor_without_serious_violations,
        coalesce(calibrated.critical_override_rating, seeds.critical_override_rating)
            as critical_override_rating,
        coalesce(calibrated.critical_override_delay_days, seeds.critical_override_delay_days)
            as critical_override_delay_days,
        seeds.min_rating,
        seeds.max_rating,
        seeds.aha_threshold,
        seeds.aha_max_days_below,
        seeds.aha_window_days,
        calibrated.held_out_mae,
        calibrated.fitted_at
    from pairs
    cross join seeds
    left join calibrated
        on
            pairs.account_id = calibrated.account_id
            and pairs.marketplace_id = calibrated.marketplace_id

)

select * from final
