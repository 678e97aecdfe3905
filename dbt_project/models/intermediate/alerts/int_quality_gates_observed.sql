-- One row per validation of a blocking Great Expectations suite: failed (active) or passed. A
-- suite's episode opens with a failed validation and closes with its next passing one.
with

validations as (

    select * from {{ ref('stg_quality__validation_results') }}

),

final as (

    select
        'quality_gate_failed' as kind,
        cast(null as varchar) as account_id,
        cast(null as varchar) as marketplace_id,
        suite_name as subject,
        validated_at as observed_at,
        not is_success as is_active,
        false as is_current_state,
        '*' as severity_level,
        cast(failed_blocking_count as double) as trigger_value,
        cast(0 as double) as threshold_value,
        json_object(
            'suite_name', suite_name, 'table_name', table_name, 'partition_start', partition_start,
            'partition_end', partition_end, 'failed_blocking_count', failed_blocking_count, 'run_id', run_id
        ) as details,
        'quality' as source
    from validations

)

select * from final
