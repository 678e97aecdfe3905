{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('snapshot_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x snapshot_date x category: the open defect count Amazon
-- reports, its change since the previous snapshot, and the points it costs under the seed
-- violation_categories (unknown categories: severity 'unknown', 0 points, so they show up
-- without moving the estimate until a data team rates them in the seed).
-- open_since_date is the first snapshot of the category's current run of open snapshots (NULL
-- while none is open): how long a critical violation has been showing, which the override's delay
-- is measured from (rating_parameters.critical_override_delay_days).
-- The points here are the seed's (the prior); the estimate applies the points in effect for the
-- account x marketplace (calibrated or seed: int_violation_points_resolved).
-- Incremental by snapshot date; the change and the run of open snapshots on a run's first day
-- continue from the latest earlier snapshot already in this table, as a full refresh would.
with

violations as (

    select * from {{ ref('stg_spapi__policy_violations') }}
    {% if is_incremental() -%}
        where {{ in_date_range('snapshot_date') }}
    {%- endif %}

),

categories as (

    select * from {{ ref('violation_categories') }}

),

counts_in_order as (

    select
        account_id,
        marketplace_id,
        category,
        snapshot_date,
        defects_count,
        cast(null as date) as carried_open_since_date
    from violations
    {% if is_incremental() -%}
        union all
        select
            account_id,
            marketplace_id,
            category,
            snapshot_date,
            defects_count,
            open_since_date as carried_open_since_date
        from {{ this }}
        where snapshot_date < {{ min_date() }}
        qualify row_number() over (
                partition by account_id, marketplace_id, category
                order by snapshot_date desc
            ) = 1
    {%- endif %}

),

closed_runs as (

    -- numbers the runs of open snapshots: the count of closed snapshots up to each one
    select
        *,
        sum(case when coalesce(defects_count, 0) > 0 then 0 else 1 end) over (
            partition by account_id, marketplace_id, category
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as closed_snapshots_so_far
    from counts_in_order

),

previous_counts as (

    select
        account_id,
        marketplace_id,
        category,
        snapshot_date,
        lag(defects_count) over (
            partition by account_id, marketplace_id, category
            order by snapshot_date
        ) as previous_defects_count,
        case
            when coalesce(defects_count, 0) > 0
                then min(
                        case
                            when coalesce(defects_count, 0) > 0
                                then coalesce(carried_open_since_date, snapshot_date)
                        end
                    ) over (
                        partition by account_id, marketplace_id, category, closed_snapshots_so_far
                    )
        end as open_since_date
    from closed_runs

),

with_previous as (

    select
        violations.*,
        previous_counts.previous_defects_count,
        previous_counts.open_since_date
    from violations
    inner join previous_counts
        on
            violations.account_id = previous_counts.account_id
            and violations.marketplace_id = previous_counts.marketplace_id
            and violations.category = previous_counts.category
            and violations.snapshot_date = previous_counts.snapshot_date

),

final as (

    select
        with_previous.account_id,
        with_previous.marketplace_id,
        with_previous.snapshot_date,
        with_previous.category,
        with_previous.amazon_key,
        with_previous.defects_count,
        with_previous.previous_defects_count,
        -- greatest() skips NULLs in DuckDB: keep the first snapshot's change NULL explicitly.
        case
            when with_previous.previous_defects_count is not null
                then greatest(with_previous.defects_count - with_previous.previous_defects_count, 0)
        end as new_count,
        case
            when with_previous.previous_defects_count is not null
                then greatest(with_previous.previous_defects_count - with_previous.defects_count, 0)
        end as resolved_count,
        coalesce(categories.severity, 'unknown') as severity,
        coalesce(categories.points_per_violation, 0) as points_per_violation,
        with_previous.defects_count * coalesce(categories.points_per_violation, 0) as points_deducted,
        with_previous.defects_count > 0 as is_open,
        coalesce(categories.severity = 'critical', false) and with_previous.defects_count > 0
            as is_open_critical,
        with_previous.open_since_date,
        with_previous.amazon_status,
        with_previous.target_value,
        with_previous.target_condition,
        with_previous.window_start_date,
        with_previous.window_end_date,
        with_previous.report_id
    from with_previous
    left join categories
        on with_previous.category = categories.category

)

select * from final
