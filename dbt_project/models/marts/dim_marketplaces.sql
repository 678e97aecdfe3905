-- One row per Amazon marketplace the warehouse knows (seed marketplaces; same ids as
-- orchestration/spapi/marketplaces.py).
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
        cast(timezone as varchar) as timezone
    from marketplaces

)

select * from final
