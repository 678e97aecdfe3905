-- One row per account x marketplace x snapshot day x policy category: whether the category has
-- open defects (a violation opened). Severity is the category's (seed violation_categories).
with

violations as (

    select * from {{ ref('fct_policy_violations_daily') }}

),

final as (

    select
        'policy_violation_opened' as kind,
        account_id,
        marketplace_id,
        category as subject,
        cast(metric_date as timestamp) as observed_at,
        is_open as is_active,
        false as is_current_state,
        severity as severity_level,
        cast(defects_count as double) as trigger_value,
        cast(0 as double) as threshold_value,
        json_object(
            'category', category, 'defects_count', defects_count, 'new_count', new_count,
            'severity', severity, 'points_deducted', points_deducted
        ) as details,
        'snapshot' as source
    from violations

)

select * from final
