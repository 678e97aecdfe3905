-- One row per observation of an account x marketplace's snapshot freshness: each snapshot day is
-- fresh (inactive); a gap of alert_stale_snapshot_days or more days without a snapshot is stale
-- from its Nth missing day (level stale) and, when it lasts twice as long, from its 2Nth
-- (stale_long). The open gap after the latest snapshot is measured to the warehouse's reference
-- day: the newest snapshot of any account, or the run's last partition day (max_date) when a run
-- passes one, so an account whose extraction stopped shows up while the others go on.
with

snapshots as (

    select * from {{ ref('fct_account_health_snapshots') }}

),

reference_day as (

    select
        greatest(
            max(snapshot_date),
            case
                when cast('{{ var("max_date") }}' as date) < current_date then cast('{{ var("max_date") }}' as date)
            end
        ) as as_of_date
    from snapshots

),

snapshot_days as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        lead(snapshot_date) over (partition by account_id, marketplace_id order by snapshot_date) as next_snapshot_date
    from snapshots

),

gaps as (

    select
        snapshot_days.account_id,
        snapshot_days.marketplace_id,
        snapshot_days.snapshot_date,
        snapshot_days.next_snapshot_date,
        -- Days without a snapshot after this one: up to the next snapshot, or up to the reference day.
        case
            when snapshot_days.next_snapshot_date is not null
                then date_diff('day', snapshot_days.snapshot_date, snapshot_days.next_snapshot_date) - 1
            else greatest(date_diff('day', snapshot_days.snapshot_date, reference_day.as_of_date), 0)
        end as missing_days
    from snapshot_days
    cross join reference_day

),

fresh as (

    select
        account_id,
        marketplace_id,
        cast(snapshot_date as timestamp) as observed_at,
        false as is_active,
        'fresh' as severity_level,
        cast(0 as double) as trigger_value,
        snapshot_date as last_snapshot_date,
        next_snapshot_date
    from gaps

),

stale as (

    select
        gaps.account_id,
        gaps.marketplace_id,
        cast(
            gaps.snapshot_date + cast(levels.multiple * {{ var('alert_stale_snapshot_days') }} as integer) as timestamp
        ) as observed_at,
        true as is_active,
        levels.level as severity_level,
        cast(gaps.missing_days as double) as trigger_value,
        gaps.snapshot_date as last_snapshot_date,
        gaps.next_snapshot_date
    from gaps
    cross join (values (1, 'stale'), (2, 'stale_long')) as levels (multiple, level)
    where gaps.missing_days >= levels.multiple * {{ var('alert_stale_snapshot_days') }}

),

unioned as (

    select * from fresh
    union all
    select * from stale

),

final as (

    select
        'stale_source' as kind,
        account_id,
        marketplace_id,
        '' as subject,
        observed_at,
        is_active,
        false as is_current_state,
        severity_level,
        trigger_value,
        cast({{ var('alert_stale_snapshot_days') }} as double) as threshold_value,
        json_object(
            'last_snapshot_date', last_snapshot_date, 'next_snapshot_date', next_snapshot_date,
            'missing_days', trigger_value
        ) as details,
        'snapshot' as source
    from unioned

)

select * from final
