-- One row per account x marketplace x snapshot_date x metric_name x fulfillment_channel x
-- window_days of the V1 seller performance report: the metric families Amazon's documentation
-- describes (order defects per channel, customer experience, contact response time), every window
-- kept, rates as fractions (the parser divides the documented percent by 100), and the old flat
-- shape's rows (contact_response_time, return_dissatisfaction). performanceChecklist statuses and
-- elements the parser does not map stay in raw only. The latest load of a partition wins.
with

source_v1 as (

    select * from {{ source('spapi', 'seller_performance_v1') }}

),

renamed as (

    select
        account_id,
        marketplace_id,
        cast(partition_date as date) as snapshot_date,
        metric_group,
        metric_name,
        coalesce(fulfillment_channel, 'ALL') as fulfillment_channel,
        cast(window_start_date as date) as window_start_date,
        cast(window_end_date as date) as window_end_date,
        cast(rate as double) as rate,
        cast(numerator as bigint) as numerator_reported,
        cast(denominator as bigint) as denominator_reported,
        cast(value as double) as value_reported,
        value_unit,
        cast(target_value as double) as target_value,
        target_condition,
        status as amazon_status,
        cast(measures as json) as measures,
        report_id,
        loaded_at
    from source_v1
    where
        window_end_date is not null
        and (rate is not null or numerator is not null or denominator is not null or value is not null)
    qualify rank() over (
            partition by account_id, marketplace_id, partition_date
            order by loaded_at desc, report_id desc
        ) = 1

),

counted as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        coalesce(date_diff('day', window_start_date, window_end_date) + 1, 0) as window_days,
        -- rows loaded before the V1 redesign carry their counts only in measures (old flat shape)
        coalesce(
            numerator_reported,
            case metric_name
                when 'contact_response_time'
                    then try_cast(json_extract_string(measures, '$.responseUnder24HoursCount') as bigint)
                when 'return_dissatisfaction'
                    then try_cast(json_extract_string(measures, '$.returnDissatisfactionCount') as bigint)
            end
        ) as numerator,
        coalesce(
            denominator_reported,
            case metric_name
                when 'contact_response_time'
                    then try_cast(json_extract_string(measures, '$.contactCount') as bigint)
                when 'return_dissatisfaction'
                    then try_cast(json_extract_string(measures, '$.returnCount') as bigint)
            end
        ) as denominator,
        value_unit,
        target_value,
        target_condition,
        amazon_status,
        window_start_date,
        window_end_date,
        measures,
        report_id,
        -- a value in its own unit (hours) stays as it is; a rate is Amazon's fraction, or the counts'
        case
            when value_unit is not null then value_reported
            else coalesce(rate, cast(numerator_reported as double) / nullif(denominator_reported, 0))
        end as value
    from renamed

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        window_days,
        value,
        value_unit,
        numerator,
        denominator,
        target_value,
        target_condition,
        amazon_status,
        window_start_date,
        window_end_date,
        measures,
        report_id
    from counted

)

select * from final
