-- One row per observation of an alert condition, every kind in one shape: what was observed
-- (kind, account, marketplace, subject), when, whether the condition held (is_active), the level
-- that sets its severity and the numbers behind it. fct_alerts turns these into episodes.
with

account_statuses as (

    select * from {{ ref('int_account_statuses_observed') }}

),

rating_bands as (

    select * from {{ ref('int_rating_bands_observed') }}

),

metric_targets as (

    select * from {{ ref('int_metric_targets_observed') }}

),

policy_violations as (

    select * from {{ ref('int_policy_violations_observed') }}

),

snapshot_gaps as (

    select * from {{ ref('int_snapshot_gaps_observed') }}

),

quality_gates as (

    select * from {{ ref('int_quality_gates_observed') }}

),

final as (

    select * from account_statuses
    union all by name
    select * from rating_bands
    union all by name
    select * from metric_targets
    union all by name
    select * from policy_violations
    union all by name
    select * from snapshot_gaps
    union all by name
    select * from quality_gates

)

select * from final
