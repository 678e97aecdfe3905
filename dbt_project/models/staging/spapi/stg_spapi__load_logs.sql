-- One row per load of (report type, account, marketplace, partition): the latest load wins.
-- Tells "no rows because nothing happened" (rows_loaded = 0) from "never loaded".
with

source_load_log as (

    select * from {{ source('spapi', 'load_log') }}

),

final as (

    select
        report_type,
        account_id,
        marketplace_id,
        cast(partition_date as date) as partition_date,
        report_id,
        cast(rows_loaded as bigint) as rows_loaded,
        landing_file,
        sha256,
        loaded_at,
        generated_at
    from source_load_log
    qualify row_number() over (
            partition by report_type, account_id, marketplace_id, partition_date
            order by loaded_at desc, report_id desc
        ) = 1

)

select * from final
