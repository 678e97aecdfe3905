-- One row per snapshot (account x marketplace x snapshot_date) x metric_name x
-- fulfillment_channel x window_days of the V2 seller performance report, unnested from the
-- marketplace's performanceMetrics element. Handles every variant of DESIGN.md section 2:
-- both spellings of a key (macros/spapi_catalogue.sql), ODR split into MFN / AFN and its
-- components, lateShipmentRateList items (10- and 30-day windows, counts may be missing),
-- sparse objects, both timestamp forms; keys it does not know are ignored.
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

top_level_objects as (

    select
        snapshots.account_id,
        snapshots.marketplace_id,
        snapshots.snapshot_date,
        snapshots.report_id,
        metric_keys.amazon_key,
        json_extract(snapshots.performance_metrics, metric_keys.amazon_key) as metric_json
    from snapshots
    cross join unnest(json_keys(snapshots.performance_metrics)) as metric_keys (amazon_key)
    where json_type(snapshots.performance_metrics) = 'OBJECT'

),

plain_objects as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        amazon_key,
        cast(null as varchar) as channel_key,
        metric_json as metric_object,
        1 as source_priority
    from top_level_objects
    where json_type(metric_json) = 'OBJECT'

),

channel_objects as (

    -- orderDefectRate holds one object per fulfillment channel: {"mfn": {...}, "afn": {...}}
    select
        plain_objects.account_id,
        plain_objects.marketplace_id,
        plain_objects.snapshot_date,
        plain_objects.report_id,
        plain_objects.amazon_key,
        upper(channel_keys.channel_key) as channel_key,
        json_extract(plain_objects.metric_object, channel_keys.channel_key) as metric_object,
        1 as source_priority
    from plain_objects
    cross join unnest(json_keys(plain_objects.metric_object)) as channel_keys (channel_key)
    where
        plain_objects.amazon_key = 'orderDefectRate'
        and lower(channel_keys.channel_key) in ('mfn', 'afn')
        and json_type(json_extract(plain_objects.metric_object, channel_keys.channel_key)) = 'OBJECT'

),

list_items as (

    -- lateShipmentRateList: one object per window; the top-level object wins a tie (priority 2)
    select
        top_level_objects.account_id,
        top_level_objects.marketplace_id,
        top_level_objects.snapshot_date,
        top_level_objects.report_id,
        top_level_objects.amazon_key,
        cast(null as varchar) as channel_key,
        items.metric_object,
        2 as source_priority
    from top_level_objects
    cross join
        unnest(
            case
                when json_type(top_level_objects.metric_json) = 'ARRAY'
                    then from_json(top_level_objects.metric_json, '["json"]')
                else cast([] as json[])
            end
        ) as items (metric_object)
    where json_type(items.metric_object) = 'OBJECT'

),

metric_objects as (

    select * from plain_objects
    union all
    select * from channel_objects
    union all
    select * from list_items

),

extracted as (

    {% for metric in spapi_rate_metrics() %}
        select
            account_id,
            marketplace_id,
            snapshot_date,
            report_id,
            amazon_key,
            '{{ metric.metric_name }}' as metric_name,
            {% if metric.channel == 'split' -%}
                channel_key
            {%- else -%}
                '{{ metric.channel }}'
            {%- endif %} as fulfillment_channel,
            case amazon_key
                {% for key in metric['keys'] -%}
                    when '{{ key }}' then {{ loop.index }}
                {% endfor -%}
            end * 10 + source_priority as row_priority,
            try_cast(json_extract_string(metric_object, '{{ metric.numerator }}') as bigint) as numerator_reported,
            try_cast(json_extract_string(metric_object, '{{ metric.denominator }}') as bigint) as denominator,
            {% if metric.value -%}
                try_cast(json_extract_string(metric_object, '{{ metric.value }}') as double)
            {%- else -%}
                cast(null as double)
            {%- endif %} as rate_reported,
            {% if metric.has_target -%}
                try_cast(json_extract_string(metric_object, '$.targetValue') as double)
            {%- else -%}
                cast(null as double)
            {%- endif %} as target_value,
            {% if metric.has_target -%}
                json_extract_string(metric_object, '$.targetCondition')
            {%- else -%}
                cast(null as varchar)
            {%- endif %} as target_condition,
            json_extract_string(metric_object, '{{ metric.status }}') as amazon_status,
            cast({{ spapi_timestamp(
                "json_extract_string(metric_object, '$.reportingDateRange.reportingDateFrom')"
            ) }} as date) as window_start_date,
            cast({{ spapi_timestamp(
                "json_extract_string(metric_object, '$.reportingDateRange.reportingDateTo')"
            ) }} as date) as window_end_date,
            try_cast(
                json_extract_string(metric_object, '$.reportingDateRange.dateOffset.duration') as integer
            ) as window_duration_days
        from metric_objects
        where
            amazon_key in ({{ "'" ~ metric['keys'] | join("', '") ~ "'" }})
            and channel_key is {% if metric.channel == 'split' %}not {% endif %}null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

computed as (

    select
        *,
        -- Amazon leaves zero counts out of sparse objects: with the denominator present, a
        -- missing numerator is 0; without it (e.g. lateShipmentRateList items) both stay NULL.
        coalesce(
            numerator_reported,
            case when denominator is not null then 0 end
        ) as numerator,
        coalesce(
            date_diff('day', window_start_date, window_end_date) + 1,
            window_duration_days,
            0
        ) as window_days
    from extracted

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        metric_name,
        fulfillment_channel,
        window_days,
        amazon_key,
        coalesce(rate_reported, numerator / nullif(denominator, 0)) as value,
        rate_reported is not null as is_value_reported,
        numerator,
        denominator,
        target_value,
        target_condition,
        amazon_status,
        window_start_date,
        window_end_date,
        report_id
    from computed
    qualify row_number() over (
            partition by account_id, marketplace_id, snapshot_date, metric_name, fulfillment_channel, window_days
            order by row_priority
        ) = 1

)

select * from final
