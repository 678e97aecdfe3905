{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('snapshot_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x snapshot_date: Amazon's account status and reported AHR as
-- the V2 seller performance report of that day gave them. Rebuilds [min_date, max_date].
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

warning_states as (

    select * from {{ ref('stg_spapi__warning_states') }}

),

warnings as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        count(*) filter (where amazon_status = 'BAD') as bad_warning_states_count
    from warning_states
    where {{ in_date_range('snapshot_date') }}
    group by account_id, marketplace_id, snapshot_date

),

final as (

    select
        cast(snapshots.account_id as varchar) as account_id,
        cast(snapshots.marketplace_id as varchar) as marketplace_id,
        cast(snapshots.snapshot_date as date) as snapshot_date,
        cast(snapshots.snapshot_at as timestamp) as snapshot_at,
        cast(snapshots.account_status as varchar) as account_status,
        cast(snapshots.ahr_status as varchar) as reported_ahr_status,
        cast(snapshots.ahr_score as integer) as reported_ahr,
        cast(coalesce(warnings.bad_warning_states_count, 0) as integer) as bad_warning_states_count,
        cast(snapshots.policy_violation_warnings_count as integer) as policy_violation_warnings_count,
        cast(snapshots.report_id as varchar) as report_id
    from snapshots
    left join warnings
        on
            snapshots.account_id = warnings.account_id
            and snapshots.marketplace_id = warnings.marketplace_id
            and snapshots.snapshot_date = warnings.snapshot_date
    where {{ in_date_range('snapshots.snapshot_date') }}

)

select * from final
