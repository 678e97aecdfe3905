-- One row per observation of an account's status: each ACCOUNT_STATUS_CHANGED notification (at
-- Amazon's eventTime) and each snapshot day (the worst status over the account's marketplaces, at
-- the snapshot time). Account level, because the notification names no marketplace; the snapshot's
-- non-NORMAL marketplaces are kept in details. Both sources describe one timeline, so an episode
-- first seen in a notification continues in the snapshots of the same status.
with

snapshots as (

    select * from {{ ref('fct_account_health_snapshots') }}

),

notifications as (

    select * from {{ ref('stg_spapi__notifications') }}

),

ranked_snapshots as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        snapshot_at,
        account_status,
        -- DEACTIVATED and unknown non-NORMAL values (SUSPENDED) rank worst, as their severities do.
        case account_status when 'NORMAL' then 0 when 'AT_RISK' then 1 else 2 end as status_rank
    from snapshots
    where account_status is not null

),

snapshot_days as (

    select
        account_id,
        snapshot_date,
        coalesce(max(snapshot_at), cast(snapshot_date as timestamp)) as observed_at,
        arg_max(account_status, status_rank) as account_status,
        list_sort(list(marketplace_id) filter (where status_rank > 0)) as affected_marketplace_ids
    from ranked_snapshots
    group by account_id, snapshot_date

),

from_snapshots as (

    select
        account_id,
        observed_at,
        account_status,
        cast(null as varchar) as notified_previous_status,
        affected_marketplace_ids,
        cast(null as varchar) as notification_id,
        'snapshot' as source
    from snapshot_days

),

from_notifications as (

    select
        account_id,
        occurred_at as observed_at,
        current_account_status as account_status,
        previous_account_status as notified_previous_status,
        cast([] as varchar[]) as affected_marketplace_ids,
        notification_id,
        'notification' as source
    from notifications
    where notification_type = 'ACCOUNT_STATUS_CHANGED' and current_account_status is not null

),

unioned as (

    select * from from_snapshots
    union all
    select * from from_notifications

),

transitions as (

    select
        *,
        -- Where a change is seen: a notification says what it came from; a snapshot differing from the
        -- observation before it (of either source) shows it.
        case
            when source = 'notification' then notified_previous_status
            when
                lag(account_status) over (partition by account_id order by observed_at, source) <> account_status
                then lag(account_status) over (partition by account_id order by observed_at, source)
        end as transition_from
    from unioned

),

with_previous as (

    select
        *,
        -- The status before the latest change (not merely the observation before), as a notification says it.
        last_value(transition_from ignore nulls) over (
            partition by account_id order by observed_at, source rows between unbounded preceding and current row
        ) as previous_account_status
    from transitions

),

final as (

    select
        'account_status_changed' as kind,
        account_id,
        cast(null as varchar) as marketplace_id,
        '' as subject,
        observed_at,
        account_status <> 'NORMAL' as is_active,
        false as is_current_state,
        account_status as severity_level,
        cast(case account_status when 'NORMAL' then 0 when 'AT_RISK' then 1 else 2 end as double) as trigger_value,
        cast(null as double) as threshold_value,
        json_object(
            'account_status', account_status,
            'previous_account_status', previous_account_status,
            'affected_marketplace_ids', affected_marketplace_ids,
            'notification_id', notification_id
        ) as details,
        source
    from with_previous

)

select * from final
