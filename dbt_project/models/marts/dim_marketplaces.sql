-- One row per Amazon marketplace the warehouse knows (seed marketplaces: the catalogue,
-- orchestration/catalogue/marketplaces.csv).
with

marketplaces as (

    select * from {{ ref('marketplaces') }}

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
        cast(flat_file_encoding as varchar) as flat_file_encoding
    from marketplaces

)

select * from final
