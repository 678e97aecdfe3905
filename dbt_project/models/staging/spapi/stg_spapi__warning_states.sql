-- One row per snapshot (account x marketplace x snapshot_date) x warning type of the V2 seller
-- performance report, from `warningStates` (schema) or `warningState` (Amazon's examples).
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

warning_arrays as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        case
            when json_type(json_extract(performance_metrics, '$.warningStates')) = 'ARRAY'
                then json_extract(performance_metrics, '$.warningStates')
            when json_type(json_extract(performance_metrics, '$.warningState')) = 'ARRAY'
                then json_extract(performance_metrics, '$.warningState')
        end as warnings_json
    from snapshots
    where json_type(performance_metrics) = 'OBJECT'

),

warnings as (

    -- unnest() in the select list, not a lateral join: see stg_spapi__performance_metrics
    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        unnest(from_json(warnings_json, '["json"]')) as warning
    from warning_arrays
    where warnings_json is not null

),

unnested as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        report_id,
        json_extract_string(warning, '$.warningType') as warning_type,
        json_extract_string(warning, '$.status') as amazon_status
    from warnings

),

final as (

    select
        account_id,
        marketplace_id,
        snapshot_date,
        warning_type,
        amazon_status,
        report_id
    from unnested
    where warning_type is not null
    qualify row_number() over (
            partition by account_id, marketplace_id, snapshot_date, warning_type
            order by amazon_status
        ) = 1

)

select * from final
