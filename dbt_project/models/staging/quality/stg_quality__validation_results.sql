-- One row per validation of a Great Expectations suite (raw and mart gates) over a partition range.
with

source_validation_results as (

    select * from {{ source_or_empty('quality', 'validation_results', {
        'suite_name': 'varchar', 'table_name': 'varchar', 'asset_key': 'varchar', 'report_type': 'varchar',
        'partition_start': 'date', 'partition_end': 'date', 'success': 'boolean', 'statistics': 'json',
        'failed_expectations': 'json', 'message': 'varchar', 'run_id': 'varchar', 'validated_at': 'timestamp',
    }) }}

),

final as (

    select
        cast(suite_name as varchar) as suite_name,
        cast(table_name as varchar) as table_name,
        cast(partition_start as date) as partition_start,
        cast(partition_end as date) as partition_end,
        cast(success as boolean) as is_success,
        -- Blocking failures only: warnings never fail a gate (orchestration/quality/runner.py).
        cast(coalesce(json_extract(statistics, '$.errors'), 0) as integer) as failed_blocking_count,
        cast(json_extract(statistics, '$.evaluated_expectations') as integer) as evaluated_count,
        cast(run_id as varchar) as run_id,
        cast(validated_at as timestamp) as validated_at
    from source_validation_results

)

select * from final
