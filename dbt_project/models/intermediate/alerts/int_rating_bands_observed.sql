-- One row per account x marketplace x rating day and alert kind: whether the reported band, the
-- estimated band (each apart) is below Healthy, and whether the reported and estimated ratings
-- are further apart than alert_rating_drift_points.
with

ratings as (

    select * from {{ ref('fct_account_health_rating') }}

),

estimated as (

    select
        'estimated_band_changed' as kind,
        account_id,
        marketplace_id,
        '' as subject,
        cast(rating_date as timestamp) as observed_at,
        band <> 'Healthy' as is_active,
        band as severity_level,
        cast(estimated_ahr as double) as trigger_value,
        cast(null as double) as threshold_value,
        json_object('band', band, 'estimated_ahr', estimated_ahr, 'reported_ahr', reported_ahr) as details
    from ratings

),

reported as (

    select
        'reported_band_changed' as kind,
        account_id,
        marketplace_id,
        '' as subject,
        cast(rating_date as timestamp) as observed_at,
        reported_band <> 'Healthy' as is_active,
        reported_band as severity_level,
        cast(reported_ahr as double) as trigger_value,
        cast(null as double) as threshold_value,
        json_object('band', reported_band, 'reported_ahr', reported_ahr, 'estimated_ahr', estimated_ahr) as details
    from ratings
    where reported_band is not null

),

drift as (

    select
        'rating_drift' as kind,
        account_id,
        marketplace_id,
        '' as subject,
        cast(rating_date as timestamp) as observed_at,
        abs(ahr_gap) > {{ var('alert_rating_drift_points') }} as is_active,
        '*' as severity_level,
        cast(ahr_gap as double) as trigger_value,
        cast({{ var('alert_rating_drift_points') }} as double) as threshold_value,
        json_object('reported_ahr', reported_ahr, 'estimated_ahr', estimated_ahr, 'ahr_gap', ahr_gap) as details
    from ratings
    where ahr_gap is not null

),

unioned as (

    select * from estimated
    union all
    select * from reported
    union all
    select * from drift

),

final as (

    select
        kind,
        account_id,
        marketplace_id,
        subject,
        observed_at,
        is_active,
        false as is_current_state,
        severity_level,
        trigger_value,
        threshold_value,
        details,
        'snapshot' as source
    from unioned

)

select * from final
