-- One row per account x marketplace x snapshot_date (the partition: the snapshot taken at the end
-- of that UTC day) of the V2 seller performance report; the latest load of a partition wins.
-- Statuses come from the loader's columns, falling back to the JSON as received, so both key
-- spellings of the AHR status (`ahrStatus`, `accountHealthRatingStatus`) and documents loaded by
-- an older loader give the same row. Unknown values (e.g. SUSPENDED) are kept as they are.
with

source_performance as (

    select * from {{ source('spapi', 'seller_performance') }}

),

latest_load as (

    select *
    from source_performance
    qualify row_number() over (
        partition by account_id, marketplace_id, partition_date
        order by loaded_at desc, report_id desc
    ) = 1

),

parsed as (

    select
        account_id,
        marketplace_id,
        cast(partition_date as date) as snapshot_date,
        cast(snapshot_at as timestamp) as snapshot_at,
        report_id,
        cast(performance_metrics as json) as performance_metrics,
        coalesce(
            account_status,
            list_filter(
                from_json(
                    json_extract(cast(document as json), '$.accountStatuses'),
                    '[{"marketplaceId": "VARCHAR", "status": "VARCHAR"}]'
                ),
                lambda s: s.marketplaceId = marketplace_id
            )[1].status
        ) as account_status,
        coalesce(
            ahr_status,
            json_extract_string(performance_metrics, '$.accountHealthRating.ahrStatus'),
            json_extract_string(performance_metrics, '$.accountHealthRating.accountHealthRatingStatus')
        ) as ahr_status,
        coalesce(
            cast(ahr_score as integer),
            try_cast(json_extract_string(performance_metrics, '$.accountHealthRating.ahrScore') as integer)
        ) as ahr_score,
        try_cast(
            json_extract_string(performance_metrics, '$.policyViolationWarnings.warningsCount') as integer
        ) as policy_violation_warnings_count,
        loaded_at
    from latest_load

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        snapshot_at,
        report_id,
        account_status,
        ahr_status,
        ahr_score,
        policy_violation_warnings_count,
        performance_metrics,
        loaded_at
    from parsed

)

select * from final
