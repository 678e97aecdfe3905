-- One row per account x marketplace x policy category: the points one open violation costs in the
-- estimate of that account x marketplace and the category's severity (seed violation_categories;
-- 'unknown' for a category the seed lacks). Calibrated points (source
-- calibration.rating_category_points) where the calibration fitted the account x marketplace
-- (int_rating_parameters_resolved.model_source), the seed's otherwise; a category the calibration
-- did not cover keeps the seed's points. Categories in no seed and no fit cost 0 (the estimate's
-- left join), as int_policy_violations_scored shows them.
with

parameters as (

    select * from {{ ref('int_rating_parameters_resolved') }}

),

seed_categories as (

    select * from {{ ref('violation_categories') }}

),

calibrated_points as (

    select * from {{ ref('stg_calibration__rating_category_points') }}

),

calibrated as (

    select
        parameters.account_id,
        parameters.marketplace_id,
        calibrated_points.category,
        coalesce(seed_categories.severity, 'unknown') as severity,
        calibrated_points.points_per_violation,
        'calibrated' as model_source
    from parameters
    inner join calibrated_points
        on
            parameters.account_id = calibrated_points.account_id
            and parameters.marketplace_id = calibrated_points.marketplace_id
    left join seed_categories
        on calibrated_points.category = seed_categories.category
    where parameters.model_source = 'calibrated'

),

from_seeds as (

    select
        parameters.account_id,
        parameters.marketplace_id,
        seed_categories.category,
        seed_categories.severity,
        cast(seed_categories.points_per_violation as double) as points_per_violation,
        'seeds' as model_source
    from parameters
    cross join seed_categories
    where not exists (
            select 1
            from calibrated
            where
                calibrated.account_id = parameters.account_id
                and calibrated.marketplace_id = parameters.marketplace_id
                and calibrated.category = seed_categories.category
        )

),

final as (

    select * from calibrated
    union all
    select * from from_seeds

)

select * from final
