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
-- category in the snapshot, `critical_override` and `clamp` (both 0 unless they apply). Their
-- points add up to estimated_ahr. Each deduction row carries the estimate if that category were
-- resolved (what-if). Rebuilds [min_date, max_date].
with

ratings as (

    select * from {{ ref('int_account_health_ratings_estimated') }}

),

violations as (

    select * from {{ ref('int_policy_violations_scored') }}

),

parameters as (

    select * from {{ ref('int_rating_parameters_pivoted') }}

),

in_range as (

    select
        ratings.*,
        parameters.min_rating,
        parameters.max_rating
    from ratings
    cross join parameters
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
        cast(null as integer) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr
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
        orders_180d as basis_count,
        cast(null as integer) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr
    from in_range
    union all
    select
        account_id,
        marketplace_id,
        rating_date,
        4 as component_order,
        'critical_override' as component_type,
        'critical_override' as component_name,
        case
            when has_open_critical_violation
                then estimated_ahr - least(greatest(unclamped_ahr, min_rating), max_rating)
            else 0
        end as points,
        cast(null as integer) as basis_count,
        cast(null as integer) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr
    from in_range
    union all
    select
        account_id,
        marketplace_id,
        rating_date,
        5 as component_order,
        'clamp' as component_type,
        'clamp' as component_name,
        least(greatest(unclamped_ahr, min_rating), max_rating) - unclamped_ahr as points,
        cast(null as integer) as basis_count,
        cast(null as integer) as points_per_violation,
        cast(null as varchar) as severity,
        cast(null as integer) as estimated_ahr_if_resolved,
        estimated_ahr
    from in_range

),

critical_counts as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        count(*) filter (where is_open_critical) as open_critical_count
    from violations
    where {{ in_date_range('snapshot_date') }}
    group by account_id, marketplace_id, snapshot_date

),

deduction_components as (

    select
        in_range.account_id,
        in_range.marketplace_id,
        in_range.rating_date,
        3 as component_order,
        'deduction' as component_type,
        violations.category as component_name,
        -violations.points_deducted as points,
        violations.defects_count as basis_count,
        violations.points_per_violation,
        violations.severity,
        case
            when critical_counts.open_critical_count - (case when violations.is_open_critical then 1 else 0 end) > 0
                then parameters.critical_override_rating
            else least(
                    greatest(
                        in_range.unclamped_ahr + violations.points_deducted,
                        parameters.min_rating
                    ),
                    parameters.max_rating
                )
        end as estimated_ahr_if_resolved,
        in_range.estimated_ahr
    from in_range
    cross join parameters
    inner join violations
        on
            in_range.account_id = violations.account_id
            and in_range.marketplace_id = violations.marketplace_id
            and in_range.rating_date = violations.snapshot_date
    left join critical_counts
        on
            in_range.account_id = critical_counts.account_id
            and in_range.marketplace_id = critical_counts.marketplace_id
            and in_range.rating_date = critical_counts.snapshot_date

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
        cast(points_per_violation as integer) as points_per_violation,
        cast(severity as varchar) as severity,
        cast(estimated_ahr_if_resolved as integer) as estimated_ahr_if_resolved,
        cast(estimated_ahr as integer) as estimated_ahr
    from unioned

)

select * from final
