-- One row per Amazon marketplace: every marketplace of the catalogue (seed marketplaces,
-- orchestration/catalogue/marketplaces.csv), plus any marketplace id a loaded JSON or XML report
-- carried that the catalogue does not know yet (such reports load, flagged in raw.load_log; their
-- facts stay NULL until a catalogue row is added), so every metric row has its marketplace here.
with

marketplaces as (

    select * from {{ ref('marketplaces') }}

),

load_logs as (

    select * from {{ ref('stg_spapi__load_logs') }}

),

unknown_marketplaces as (

    select distinct load_logs.marketplace_id
    from load_logs
    left join marketplaces
        on load_logs.marketplace_id = marketplaces.marketplace_id
    where marketplaces.marketplace_id is null

),

final as (

    select
        cast(marketplace_id as varchar) as marketplace_id,
        cast(country_code as varchar) as country_code,
        cast(marketplace_name as varchar) as marketplace_name,
        cast(region as varchar) as region,
        cast(currency_code as varchar) as currency_code,
        cast(timezone as varchar) as timezone,
        cast(language as varchar) as language_code,
        cast(flat_file_encoding as varchar) as flat_file_encoding,
        true as is_in_catalogue
    from marketplaces
    union all
    select
        cast(marketplace_id as varchar) as marketplace_id,
        cast(null as varchar) as country_code,
        cast(null as varchar) as marketplace_name,
        cast(null as varchar) as region,
        cast(null as varchar) as currency_code,
        cast(null as varchar) as timezone,
        cast(null as varchar) as language_code,
        cast(null as varchar) as flat_file_encoding,
        false as is_in_catalogue
    from unknown_marketplaces

)

select * from final
