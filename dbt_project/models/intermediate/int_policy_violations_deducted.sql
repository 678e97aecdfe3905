-- One row per account x marketplace x snapshot_date x category (as int_policy_violations_scored):
-- the points the category's open violations cost in the estimate, with the points per violation in
-- effect for the account x marketplace (int_violation_points_resolved: calibrated or seed; a
-- category in neither costs 0 with severity 'unknown'). points_deducted is whole points, so the
-- components of an estimate add up to it exactly. is_serious: a severity above low (medium, high,
-- critical) -- while one is open, the floor of the rating does not apply.
-- A view: its readers filter by date, and the filter reaches the incremental table below.
with

violations as (

    select * from {{ ref('int_policy_violations_scored') }}

),

points as (

    select * from {{ ref('int_violation_points_resolved') }}

),

final as (

    select
        violations.account_id,
        violations.marketplace_id,
        violations.snapshot_date,
        violations.category,
        violations.amazon_key,
        violations.defects_count,
        violations.previous_defects_count,
        violations.new_count,
        violations.resolved_count,
        coalesce(points.severity, 'unknown') as severity,
        coalesce(points.points_per_violation, 0) as points_per_violation,
        {{ whole_points('violations.defects_count * coalesce(points.points_per_violation, 0)') }}
            as points_deducted,
        violations.is_open,
        violations.is_open_critical,
        violations.is_open and coalesce(points.severity, 'unknown') in ('medium', 'high', 'critical')
            as is_open_serious,
        violations.open_since_date,
        coalesce(points.model_source, 'seeds') as model_source,
        violations.amazon_status,
        violations.target_value,
        violations.target_condition,
        violations.window_start_date,
        violations.window_end_date,
        violations.report_id
    from violations
    left join points
        on
            violations.account_id = points.account_id
            and violations.marketplace_id = points.marketplace_id
            and violations.category = points.category

)

select * from final
