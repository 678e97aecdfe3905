-- One row per account x marketplace x snapshot_date x metric_name of the V1 seller performance
-- report (customer-service metrics the V2 report lacks); the latest load of a partition wins.
-- Numerator / denominator come from the measures JSON where the metric defines them.
with

source_v1 as (

    select * from {{ source('spapi', 'seller_performance_v1') }}

),

renamed as (

    select
        account_id,
        marketplace_id,
        cast(partition_date as date) as snapshot_date,
        metric_name,
        cast(window_start_date as date) as window_start_date,
        cast(window_end_date as date) as window_end_date,
        cast(rate as double) as rate_reported,
        cast(target_value as double) as target_value,
        target_condition,
        status as amazon_status,
        cast(measures as json) as measures,
        report_id,
        loaded_at
    from source_v1
    qualify row_number() over (
            partition by account_id, marketplace_id, partition_date, metric_name
            order by loaded_at desc, report_id desc
        ) = 1

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        'ALL' as fulfillment_channel,
        coalesce(date_diff('day', window_start_date, window_end_date) + 1, 0) as window_days,
        rate_reported as value,
        case metric_name
            when 'contact_response_time'
                then try_cast(json_extract_string(measures, '$.responseUnder24HoursCount') as bigint)
            when 'return_dissatisfaction'
                then try_cast(json_extract_string(measures, '$.returnDissatisfactionCount') as bigint)
        end as numerator,
        case metric_name
            when 'contact_response_time'
                then try_cast(json_extract_string(measures, '$.contactCount') as bigint)
            when 'return_dissatisfaction'
                then try_cast(json_extract_string(measures, '$.returnCount') as bigint)
        end as denominator,
        target_value,
        target_condition,
        amazon_status,
        window_start_date,
        window_end_date,
        measures,
        report_id
    from renamed

)

select * from final
