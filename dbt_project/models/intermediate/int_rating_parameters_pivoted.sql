-- One row: the rating model's parameters (seed rating_parameters, long form with a source note per
-- value) turned into columns, so models join them instead of hard-coding numbers.
with

rating_parameters as (

    select * from {{ ref('rating_parameters') }}

),

final as (

    select
        max(case when parameter_name = 'start_rating' then parameter_value end) as start_rating,
        max(case when parameter_name = 'volume_credit_orders_per_step' then parameter_value end)
            as volume_credit_orders_per_step,
        max(case when parameter_name = 'volume_credit_points_per_step' then parameter_value end)
            as volume_credit_points_per_step,
        cast(max(case when parameter_name = 'volume_credit_window_days' then parameter_value end) as integer)
            as volume_credit_window_days,
        max(case when parameter_name = 'volume_credit_max_points' then parameter_value end)
            as volume_credit_max_points,
        max(case when parameter_name = 'floor_without_serious_violations' then parameter_value end)
            as floor_without_serious_violations,
        max(case when parameter_name = 'critical_override_rating' then parameter_value end)
            as critical_override_rating,
        cast(max(case when parameter_name = 'critical_override_delay_days' then parameter_value end) as integer)
            as critical_override_delay_days,
        max(case when parameter_name = 'min_rating' then parameter_value end) as min_rating,
        max(case when parameter_name = 'max_rating' then parameter_value end) as max_rating,
        max(case when parameter_name = 'aha_threshold' then parameter_value end) as aha_threshold,
        cast(max(case when parameter_name = 'aha_max_days_below' then parameter_value end) as integer)
            as aha_max_days_below,
        cast(max(case when parameter_name = 'aha_window_days' then parameter_value end) as integer)
            as aha_window_days
    from rating_parameters

)

select * from final
