-- One row per seller feedback entry (account x marketplace x order x feedback date), latest load
-- wins. The rater's email hash is not carried on: nothing downstream needs it.
with

source_feedback as (

    select * from {{ source('spapi', 'seller_feedback') }}

),

renamed as (

    select
        account_id,
        marketplace_id,
        order_id as amazon_order_id,
        cast(feedback_date as date) as feedback_date,
        cast(rating as integer) as rating,
        coalesce(rating <= 2, false) as is_negative,
        comments,
        your_response,
        report_id,
        partition_date,
        loaded_at,
        source_row_number
    from source_feedback
    where order_id is not null

),

final as (

    select
        account_id,
        marketplace_id,
        amazon_order_id,
        feedback_date,
        rating,
        is_negative,
        comments,
        your_response,
        report_id,
        partition_date,
        loaded_at
    from renamed
    qualify row_number() over (
            partition by account_id, marketplace_id, amazon_order_id, feedback_date
            order by loaded_at desc, report_id desc, source_row_number asc
        ) = 1

)

select * from final
