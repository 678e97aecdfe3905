-- One row per account x marketplace x snapshot_date (the partition: the snapshot taken at the end
-- of that UTC day) of the V2 seller performance report; the latest load of a partition wins.
-- Statuses come from the loader's columns, falling back to the JSON as received, so both key
-- spellings of the AHR status (`ahrStatus`, `accountHealthRatingStatus`) and documents loaded by
-- an older loader give the same row. Unknown values (e.g. SUSPENDED) are kept as they are.
-- Kept a single scan -> window -> projection (no self-join) so that a filter on snapshot_date
-- reaches raw.seller_performance: the incremental intermediate models read one day through it.
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
        latest_load.account_id,
        latest_load.marketplace_id,
        cast(latest_load.partition_date as date) as snapshot_date,
        cast(latest_load.snapshot_at as timestamp) as snapshot_at,
        latest_load.report_id,
        cast(latest_load.performance_metrics as json) as performance_metrics,
        coalesce(
            latest_load.account_status,
            -- accountStatuses of the whole document, for rows whose loader left account_status
            -- empty: the (alphabetically first) status listed for this marketplace
            list_min(
                list_transform(
                    list_filter(
                        case
                            when json_type(json_extract(latest_load.document, '$.accountStatuses')) = 'ARRAY'
                                then from_json(json_extract(latest_load.document, '$.accountStatuses'), '["json"]')
                            else cast([] as json[])
                        end,
                        -- `status` is the lambda's parameter, not a column: hence the noqa
                        lambda status: json_extract_string(status, '$.marketplaceId')  -- noqa: RF03
                        = latest_load.marketplace_id
                    ),
                    lambda status: json_extract_string(status, '$.status')  -- noqa: RF03
                )
            )
        ) as account_status,
        coalesce(
            latest_load.ahr_status,
            json_extract_string(latest_load.performance_metrics, '$.accountHealthRating.ahrStatus'),
            json_extract_string(
                latest_load.performance_metrics, '$.accountHealthRating.accountHealthRatingStatus'
            )
        ) as ahr_status,
        coalesce(
            cast(latest_load.ahr_score as integer),
            try_cast(
                json_extract_string(latest_load.performance_metrics, '$.accountHealthRating.ahrScore') as integer
            )
        ) as ahr_score,
        try_cast(
            json_extract_string(latest_load.performance_metrics, '$.policyViolationWarnings.warningsCount')
            as integer
        ) as policy_violation_warnings_count,
        latest_load.loaded_at
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
