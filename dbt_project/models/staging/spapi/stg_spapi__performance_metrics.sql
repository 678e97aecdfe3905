-- One row per snapshot (account x marketplace x snapshot_date) x metric_name x
-- fulfillment_channel x window_days of the V2 seller performance report, unnested from the
-- marketplace's performanceMetrics element. Handles every variant of docs/amazon.md:
-- both spellings of a key (macros/spapi_catalogue.sql), ODR split into MFN / AFN and its
-- components, lateShipmentRateList items (10- and 30-day windows, counts may be missing),
-- sparse objects, both timestamp forms; keys it does not know are ignored.
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

metric_keys as (

    -- unnest() in the select list rather than a lateral join: DuckDB decorrelates a lateral
    -- unnest by reading its input twice, which materializes the input and stops a filter on
    -- snapshot_date from reaching the raw table (incremental models read one day through here)
    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        performance_metrics,
        unnest(json_keys(performance_metrics)) as amazon_key
    from snapshots
    where json_type(performance_metrics) = 'OBJECT'

),

top_level_objects as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        amazon_key,
        json_extract(performance_metrics, amazon_key) as metric_json
    from metric_keys

),

listed_objects as (

    -- Every object a top-level key holds, in one unnest:
    --   an object itself (priority 1);
    --   orderDefectRate's per-channel objects {"mfn": {...}, "afn": {...}} (priority 1);
    --   the items of a list such as lateShipmentRateList, one per window (priority 2: the
    --   top-level object wins a tie).
    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        amazon_key,
        unnest(
            case
                when json_type(metric_json) = 'OBJECT'
                    then list_concat(
                            [{
                                'channel_key': cast(null as varchar),
                                'metric_object': metric_json,
                                'source_priority': 1
                            }],
                            list_transform(
                                list_filter(
                                    json_keys(metric_json),
                                    lambda channel_key: amazon_key = 'orderDefectRate'
                                    and lower(channel_key) in ('mfn', 'afn')
                                    and json_type(json_extract(metric_json, channel_key)) = 'OBJECT'
                                ),
                                lambda channel_key: {
                                    'channel_key': upper(channel_key),
                                    'metric_object': json_extract(metric_json, channel_key),
                                    'source_priority': 1
                                }
                            )
                        )
                when json_type(metric_json) = 'ARRAY'
                    then list_transform(
                            list_filter(
                                from_json(metric_json, '["json"]'),
                                lambda list_item: json_type(list_item) = 'OBJECT'
                            ),
                            lambda list_item: {
                                'channel_key': cast(null as varchar),
                                'metric_object': list_item,
                                'source_priority': 2
                            }
                        )
            end
        ) as item
    from top_level_objects

),

metric_objects as (

    select
        listed_objects.account_id,
        listed_objects.marketplace_id,
        listed_objects.snapshot_date,
        listed_objects.report_id,
        listed_objects.amazon_key,
        item.channel_key,
        item.metric_object,
        item.source_priority
    from listed_objects

),

catalogue as (

    -- spapi_rate_metrics() as rows: one per (metric, key spelling); key_rank orders spellings
    select
        catalogue_rows.amazon_key,
        catalogue_rows.key_rank,
        catalogue_rows.metric_name,
        catalogue_rows.channel,
        catalogue_rows.numerator_path,
        catalogue_rows.denominator_path,
        catalogue_rows.value_path,
        catalogue_rows.status_path,
        catalogue_rows.has_target
    from (
        values
        {% for metric in spapi_rate_metrics() -%}
            {% set outer = loop -%}
            {% for key in metric['keys'] -%}
                (
                    '{{ key }}',
                    {{ loop.index }},
                    '{{ metric.metric_name }}',
                    '{{ metric.channel }}',
                    '{{ metric.numerator }}',
                    '{{ metric.denominator }}',
                    {{ "'" ~ metric.value ~ "'" if metric.value else 'null' }},
                    '{{ metric.status }}',
                    {{ 'true' if metric.has_target else 'false' }}
                ){% if not (outer.last and loop.last) %},{% endif %}
            {% endfor -%}
        {% endfor %}
    ) as catalogue_rows (
        amazon_key,
        key_rank,
        metric_name,
        channel,
        numerator_path,
        denominator_path,
        value_path,
        status_path,
        has_target
    )

),

extracted as (

    -- one join instead of a union per metric: metric_objects is then read once, so a filter on
    -- snapshot_date reaches the raw table (incremental models read a single day through here)
    select
        metric_objects.account_id,
        metric_objects.marketplace_id,
        metric_objects.snapshot_date,
        metric_objects.report_id,
        metric_objects.amazon_key,
        catalogue.metric_name,
        case
            when catalogue.channel = 'split' then metric_objects.channel_key
            else catalogue.channel
        end as fulfillment_channel,
        catalogue.key_rank * 10 + metric_objects.source_priority as row_priority,
        try_cast(json_extract_string(metric_objects.metric_object, catalogue.numerator_path) as bigint)
            as numerator_reported,
        try_cast(json_extract_string(metric_objects.metric_object, catalogue.denominator_path) as bigint)
            as denominator,
        case
            when catalogue.value_path is not null
                then try_cast(json_extract_string(metric_objects.metric_object, catalogue.value_path) as double)
        end as rate_reported,
        case
            when catalogue.has_target
                then try_cast(json_extract_string(metric_objects.metric_object, '$.targetValue') as double)
        end as target_value,
        case
            when catalogue.has_target then json_extract_string(metric_objects.metric_object, '$.targetCondition')
        end as target_condition,
        json_extract_string(metric_objects.metric_object, catalogue.status_path) as amazon_status,
        {{ spapi_date(
            "json_extract_string(metric_objects.metric_object, '$.reportingDateRange.reportingDateFrom')"
        ) }} as window_start_date,
        {{ spapi_date(
            "json_extract_string(metric_objects.metric_object, '$.reportingDateRange.reportingDateTo')"
        ) }} as window_end_date,
        try_cast(
            json_extract_string(metric_objects.metric_object, '$.reportingDateRange.dateOffset.duration') as integer
        ) as window_duration_days
    from metric_objects
    inner join catalogue
        on
            metric_objects.amazon_key = catalogue.amazon_key
            and (catalogue.channel = 'split') = (metric_objects.channel_key is not null)

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
