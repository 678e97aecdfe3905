-- One row per alert episode: a run of observations in which an alert condition held (kind x
-- account x marketplace x subject), from its first active observation to the first observation
-- after it in which the condition no longer held (resolved_at; NULL while open). The severity is
-- the highest reached in the episode (an escalation raises it), the numbers are those of its
-- latest active observation. dedupe_key is stable across rebuilds: kind, account, marketplace,
-- subject and the day the episode was first seen (no day for current-state kinds such as
-- projected_breach, which have no history), with ``#n`` for the n-th episode started that day
-- (n > 1); alert_id is a short hash of it.
with

observations as (

    select * from {{ ref('int_alert_observations_unioned') }}

),

alert_kinds as (

    select * from {{ ref('alert_kinds') }}

),

alert_severities as (

    select * from {{ ref('alert_severities') }}

),

severity_ranks as (

    select
        ranks.severity,
        ranks.severity_rank
    from (values ('low', 1), ('medium', 2), ('high', 3), ('critical', 4)) as ranks (severity, severity_rank)

),

keyed as (

    select
        *,
        coalesce(account_id, '') || '|' || coalesce(marketplace_id, '') || '|' || subject as alert_key
    from observations

),

sequenced as (

    select
        *,
        -- An episode starts at an active observation whose predecessor was inactive (or absent).
        sum(
            case when is_active and not coalesce(previous_is_active, false) then 1 else 0 end
        ) over (partition by kind, alert_key order by observed_at, is_active rows unbounded preceding) as episode_number
    from (
        select
            *,
            lag(is_active) over (partition by kind, alert_key order by observed_at, is_active) as previous_is_active
        from keyed
    ) as with_previous

),

severities as (

    select
        sequenced.*,
        coalesce(by_level.severity, by_kind.severity, alert_kinds.default_severity) as severity
    from sequenced
    left join alert_severities as by_level
        on sequenced.kind = by_level.kind and sequenced.severity_level = by_level.level
    left join alert_severities as by_kind
        on sequenced.kind = by_kind.kind and by_kind.level = '*'
    left join alert_kinds
        on sequenced.kind = alert_kinds.kind

),

ranked as (

    select
        severities.*,
        severity_ranks.severity_rank
    from severities
    left join severity_ranks
        on severities.severity = severity_ranks.severity

),

episodes as (

    select
        kind,
        alert_key,
        episode_number,
        any_value(account_id) as account_id,
        any_value(marketplace_id) as marketplace_id,
        any_value(subject) as subject,
        bool_or(is_current_state) as is_current_state,
        min(observed_at) filter (where is_active) as first_seen_at,
        max(observed_at) filter (where is_active) as last_seen_at,
        min(observed_at) filter (where not is_active) as resolved_at,
        max(severity_rank) filter (where is_active) as severity_rank,
        arg_max(trigger_value, observed_at) filter (where is_active) as trigger_value,
        arg_max(threshold_value, observed_at) filter (where is_active) as threshold_value,
        arg_max(details, observed_at) filter (where is_active) as details,
        string_agg(distinct source, ',' order by source) filter (where is_active) as sources,
        count(*) filter (where is_active) as observations_count
    from ranked
    where episode_number > 0
    group by kind, alert_key, episode_number

),

numbered as (

    select
        *,
        -- Two episodes of one alert can start on the same day (a quality gate that fails, passes on
        -- a re-run and fails again): the second and later ones of the day carry their ordinal, so the
        -- key stays unique and the first one keeps the key it had.
        row_number() over (
            partition by
                kind, alert_key, case when not is_current_state then cast(first_seen_at as date) end
            order by first_seen_at, episode_number
        ) as day_ordinal
    from episodes

),

deduped as (

    select
        *,
        kind || '|' || alert_key || '|' || coalesce(
            case when not is_current_state then cast(cast(first_seen_at as date) as varchar) end,
            'current'
        ) || case when day_ordinal > 1 then '#' || day_ordinal else '' end as dedupe_key
    from numbered

),

final as (

    select
        left(md5(episodes.dedupe_key), 12) as alert_id,
        episodes.dedupe_key,
        cast(episodes.kind as varchar) as kind,
        cast(alert_kinds.label as varchar) as kind_label,
        cast(episodes.account_id as varchar) as account_id,
        cast(episodes.marketplace_id as varchar) as marketplace_id,
        cast(episodes.subject as varchar) as subject,
        cast(severity_ranks.severity as varchar) as severity,
        cast(episodes.severity_rank as integer) as severity_rank,
        cast(case when episodes.resolved_at is null then 'open' else 'resolved' end as varchar) as status,
        cast(episodes.first_seen_at as timestamp) as first_seen_at,
        cast(episodes.last_seen_at as timestamp) as last_seen_at,
        cast(episodes.resolved_at as timestamp) as resolved_at,
        cast(episodes.trigger_value as double) as trigger_value,
        cast(episodes.threshold_value as double) as threshold_value,
        cast(episodes.details as json) as details,
        cast(episodes.sources as varchar) as sources,
        cast(episodes.observations_count as integer) as observations_count
    from deduped as episodes
    left join alert_kinds
        on episodes.kind = alert_kinds.kind
    left join severity_ranks
        on episodes.severity_rank = severity_ranks.severity_rank

)

select * from final
