-- One row per account x marketplace x snapshot_date with at least one open policy category: the
-- category that takes most points off the estimate, in words a seller can act on (band_cause).
-- Why: an At Risk or Critical rating is explained by the violation that costs most; an open
-- critical-severity violation overrides everything (the estimate is then the override rating,
-- whatever the other points), so it ranks first. Points come from the seed violation_categories
-- (points_deducted); ties go to more open defects, then the category name, so the cause is stable.
with

violations as (

    select * from {{ ref('int_policy_violations_scored') }}
    where is_open

),

ranked as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        category,
        coalesce(amazon_key, category) as amazon_key,
        severity,
        cast(defects_count as integer) as defects_count,
        cast(points_deducted as integer) as points_deducted,
        is_open_critical
    from violations
    qualify row_number() over (
            partition by account_id, marketplace_id, snapshot_date
            order by is_open_critical desc, points_deducted desc, defects_count desc, category asc
        ) = 1

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        category as cause_category,
        amazon_key as cause_amazon_key,
        severity as cause_severity,
        defects_count as cause_defects_count,
        points_deducted as cause_points,
        is_open_critical as is_critical_override,
        case
            when is_open_critical then 'critical override: ' || amazon_key
            else amazon_key || ': ' || points_deducted || ' points'
        end as band_cause
    from ranked

)

select * from final
