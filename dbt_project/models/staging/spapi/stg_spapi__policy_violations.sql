-- One row per snapshot (account x marketplace x snapshot_date) x policy category of the V2
-- seller performance report. A category is a known key (both spellings, e.g. documentRequests /
-- documentRequest) or any other object carrying `defectsCount` that is not a rate metric: a rate
-- metric (a key of spapi_rate_metrics(), or any object with a `rate`) stays a metric even when it
-- carries `defectsCount` (real lateShipmentRate objects do). A missing `defectsCount` on a present
-- category is 0 (Amazon leaves zero counts out of sparse objects).
{%- set categories = spapi_policy_categories() %}
{%- set rate_metric_keys = [] %}
{%- for metric in spapi_rate_metrics() %}{% do rate_metric_keys.extend(metric['keys']) %}{% endfor %}
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

metric_keys as (

    -- unnest() in the select list, not a lateral join: see stg_spapi__performance_metrics
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
        json_extract(performance_metrics, amazon_key) as metric_object
    from metric_keys

),

categorized as (

    select
        *,
        case amazon_key
            {% for canonical, spellings in categories.items() -%}
                {% for spelling in spellings -%}
                    when '{{ spelling }}' then '{{ canonical }}'
                {% endfor -%}
            {% endfor -%}
        end as known_category_key,
        case amazon_key
            {% for canonical, spellings in categories.items() -%}
                {% for spelling in spellings -%}
                    when '{{ spelling }}' then {{ loop.index }}
                {% endfor -%}
            {% endfor -%}
            else 1
        end as spelling_priority
    from top_level_objects
    where json_type(metric_object) = 'OBJECT'

),

violations as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        amazon_key,
        spelling_priority,
        coalesce(known_category_key, amazon_key) as category_key,
        coalesce(
            try_cast(json_extract_string(metric_object, '$.defectsCount') as bigint),
            0
        ) as defects_count,
        json_extract_string(metric_object, '$.status') as amazon_status,
        try_cast(json_extract_string(metric_object, '$.targetValue') as double) as target_value,
        json_extract_string(metric_object, '$.targetCondition') as target_condition,
        {{ spapi_date(
            "json_extract_string(metric_object, '$.reportingDateRange.reportingDateFrom')"
        ) }} as window_start_date,
        {{ spapi_date(
            "json_extract_string(metric_object, '$.reportingDateRange.reportingDateTo')"
        ) }} as window_end_date
    from categorized
    where
        known_category_key is not null
        or (
            json_exists(metric_object, '$.defectsCount')
            and not json_exists(metric_object, '$.rate')
            and amazon_key not in ({{ "'" ~ (rate_metric_keys | unique | join("', '")) ~ "'" }})
        )

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        {{ snake_case('category_key') }} as category,
        amazon_key,
        defects_count,
        amazon_status,
        target_value,
        target_condition,
        window_start_date,
        window_end_date,
        report_id
    from violations
    qualify row_number() over (
            partition by account_id, marketplace_id, snapshot_date, category_key
            order by spelling_priority
        ) = 1

)

select * from final
