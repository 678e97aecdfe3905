-- One row per account x marketplace x snapshot_date: what the calibration fits the rating model on
-- (orchestration/calibration/features.py reads this and int_policy_violations_scored) -- Amazon's
-- reported rating (NULL where the report has no ahrScore: those days are estimated, not fitted),
-- the order count the volume credit uses and whether it is known. Upstream of the calibration asset,
-- so nothing here may read calibration.*: the fit's inputs do not depend on its outputs.
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

volumes as (

    select * from {{ ref('int_order_volumes_windowed') }}

),

final as (

    select
        snapshots.account_id,
        snapshots.marketplace_id,
        snapshots.snapshot_date,
        snapshots.ahr_score as reported_ahr,
        snapshots.account_status,
        coalesce(volumes.is_orders_partition_loaded, false) as is_volume_credit_known,
        coalesce(volumes.order_days_loaded, 0) as order_days_loaded,
        coalesce(volumes.orders_in_window, 0) as orders_in_window,
        case
            when coalesce(volumes.is_orders_partition_loaded, false) then volumes.volume_credit_orders else 0
        end as volume_credit_orders,
        -- the fit leaves out days whose order count is short (fewer covered days than the
        -- extrapolation needs) or unknown: the credit there is not the one Amazon computes
        coalesce(volumes.is_orders_partition_loaded, false)
        and coalesce(volumes.order_days_loaded, 0) >= {{ var('volume_credit_min_days_loaded') }}
            as is_volume_credit_orders_complete
    from snapshots
    left join volumes
        on
            snapshots.account_id = volumes.account_id
            and snapshots.marketplace_id = volumes.marketplace_id
            and snapshots.snapshot_date = volumes.snapshot_date

)

select * from final
