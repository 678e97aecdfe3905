{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_date_range('metric_date') }}",
        on_schema_change='fail',
    )
}}
-- One row per account x marketplace x metric_date x policy category: Amazon's open defect count,
-- the change since the previous snapshot (looked up before min_date too), and the points it
-- costs in the estimate (int_policy_violations_deducted: the account x marketplace's calibrated
-- points, or the seed violation_categories; model_source says which). Rebuilds [min_date, max_date].
with

violations as (

    select * from {{ ref('int_policy_violations_deducted') }}

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(marketplace_id as varchar) as marketplace_id,
        cast(snapshot_date as date) as metric_date,
        cast(category as varchar) as category,
        cast(defects_count as integer) as defects_count,
        cast(new_count as integer) as new_count,
        cast(resolved_count as integer) as resolved_count,
        cast(severity as varchar) as severity,
        cast(points_per_violation as double) as points_per_violation,
        cast(points_deducted as integer) as points_deducted,
        cast(is_open as boolean) as is_open,
        cast(amazon_status as varchar) as amazon_status,
        cast(window_start_date as date) as window_start_date,
        cast(window_end_date as date) as window_end_date,
        cast(report_id as varchar) as report_id,
        cast(model_source as varchar) as model_source
    from violations
    where {{ in_date_range('snapshot_date') }}

)

select * from final
