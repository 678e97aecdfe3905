-- One row per account x marketplace x policy category the calibration fitted: the points one open
-- violation costs, learned where the category was open on reported days (else its severity's
-- fitted mean). Empty before the first fit.
with

source_rating_category_points as (

    select * from {{ documented_source_or_empty('calibration', 'rating_category_points') }}

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(category as varchar) as category,
        cast(severity as varchar) as severity,
        cast(points_per_violation as double) as points_per_violation,
        cast(points_per_violation_se as double) as points_per_violation_se,
        cast(open_days as integer) as open_days,
        cast(is_prior_only as boolean) as is_prior_only
    from source_rating_category_points

)

select * from final
