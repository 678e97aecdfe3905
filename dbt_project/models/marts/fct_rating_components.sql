{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('rating_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x rating_date x component: the estimate in long form, so a
-- chart can show why. Components, in order: `start`, `volume_credit`, one `deduction` per policy
-- category in the snapshot, `floor` (points the floor adds while no serious violation is open),
-- `critical_override` and `clamp` (each 0 unless it applies). Their whole points add up to
-- estimated_ahr. Each deduction row carries the estimate if that category were resolved (what-if),
-- under the same parameters. model_source says whether those are calibrated or the seeds'.
-- Rebuilds [min_date, max_date].
with

ratings as (

    select * from {{ ref('int_account_health_ratings_estimated') }}

),

violations as (

    select * from {{ ref('int_policy_violations_deducted') }}

),

parameters as (

    select * from {{ ref('int_rating_parameters_resolved') }}

),

in_range as (

    select
        ratings.*,
        least(greatest(ratings.floored_ahr, parameters.min_rating), parameters.max_rating) as clamped_ahr,
        parameters.min_rating,
        parameters.max_rating,
        parameters.critical_override_delay_days
    from ratings
    inner join parameters
        on
            ratings.account_id = parameters.account_id
            and ratings.marketplace_id = parameters.marketplace_id
    where {{ in_date_range('ratings.rating_date') }}

),

fixed_components as (

    select
        account_id,
        marketplace_id,
        rating_date,
        1 as component_order,
        'start' as component_type,
        'start' as component_name,
        start_rating as points,
        cast(null as integer) as basis_count,
        cast(null as double) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr,
        model_source
    from in_range
    union all
    select
        account_id,
        marketplace_id,
        rating_date,
        2 as component_order,
        'volume_credit' as component_type,
        'volume_credit' as component_name,
        volume_credit as points,
        volume_credit_orders as basis_count,
        cast(null as double) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr,
        model_source
    from in_range
    union all
    select
        account_id,
        marketplace_id,
        rating_date,
        4 as component_order,
        'floor' as component_type,
        'floor' as component_name,
        floored_ahr - unclamped_ahr as points,
        cast(null as integer) as basis_count,
        cast(null as double) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr,
        model_source
    from in_range
    union all
    select
        account_id,
        marketplace_id,
        rating_date,
        5 as component_order,
        'critical_override' as component_type,
        'critical_override' as component_name,
        case when is_critical_override_active then estimated_ahr - clamped_ahr else 0 end as points,
        cast(null as integer) as basis_count,
        cast(null as double) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr,
        model_source
    from in_range
    union all
    select
        account_id,
        marketplace_id,
        rating_date,
        6 as component_order,
        'clamp' as component_type,
        'clamp' as component_name,
        clamped_ahr - floored_ahr as points,
        cast(null as integer) as basis_count,
        cast(null as double) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr,
        model_source
    from in_range

),

day_violations as (

    -- per category: does it hold the override, is it serious (what resolving it would take away)
    select
        violations.*,
        violations.is_open_critical
        and violations.snapshot_date - violations.open_since_date >= in_range.critical_override_delay_days
            as holds_override
    from violations
    inner join in_range
        on
            violations.account_id = in_range.account_id
            and violations.marketplace_id = in_range.marketplace_id
            and violations.snapshot_date = in_range.rating_date

),

day_counts as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        count(*) filter (where holds_override) as override_categories_count,
        count(*) filter (where is_open_serious) as serious_categories_count
    from day_violations
    group by account_id, marketplace_id, snapshot_date

),

deduction_components as (

    select
        in_range.account_id,
        in_range.marketplace_id,
        in_range.rating_date,
        3 as component_order,
        'deduction' as component_type,
        day_violations.category as component_name,
        -day_violations.points_deducted as points,
        day_violations.defects_count as basis_count,
        day_violations.points_per_violation,
        day_violations.severity,
        {{ rating_estimate(
            'in_range.unclamped_ahr + day_violations.points_deducted',
            'day_counts.serious_categories_count - (case when day_violations.is_open_serious then 1 else 0 end) > 0',
            'in_range.floor_without_serious_violations',
            'day_counts.override_categories_count - (case when day_violations.holds_override then 1 else 0 end) > 0',
            'in_range.critical_override_rating',
            'in_range.min_rating',
            'in_range.max_rating',
        ) }} as estimated_ahr_if_resolved,
        in_range.estimated_ahr,
        in_range.model_source
    from in_range
    inner join day_violations
        on
            in_range.account_id = day_violations.account_id
            and in_range.marketplace_id = day_violations.marketplace_id
            and in_range.rating_date = day_violations.snapshot_date
    inner join day_counts
        on
            in_range.account_id = day_counts.account_id
            and in_range.marketplace_id = day_counts.marketplace_id
            and in_range.rating_date = day_counts.snapshot_date

),

unioned as (

    select * from fixed_components
    union all
    select * from deduction_components

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(rating_date as date) as rating_date,
        cast(component_order as integer) as component_order,
        cast(component_type as varchar) as component_type,
        cast(component_name as varchar) as component_name,
        cast(points as integer) as points,
        cast(basis_count as integer) as basis_count,
        cast(points_per_violation as double) as points_per_violation,
        cast(severity as varchar) as severity,
        cast(estimated_ahr_if_resolved as integer) as estimated_ahr_if_resolved,
        cast(estimated_ahr as integer) as estimated_ahr,
        cast(model_source as varchar) as model_source
    from unioned

)

select * from final
