-- One row per seller account (the configured account name) seen in any raw report, the V1
-- seller performance report included (an account may have V1 documents and no V2 snapshot).
with

snapshots as (

    select * from {{ ref('stg_spapi__performance_snapshots') }}

),

orders as (

    select * from {{ ref('int_orders_rolled_up') }}

),

feedbacks as (

    select * from {{ ref('stg_spapi__feedbacks') }}

),

returns as (

    select * from {{ ref('stg_spapi__returns') }}

),

v1_metrics as (

    select * from {{ ref('stg_spapi__v1_performance_metrics') }}

),

seen as (

    select
        account_id,
        marketplace_id
    from snapshots
    union
    select
        account_id,
        marketplace_id
    from orders
    union
    select
        account_id,
        marketplace_id
    from feedbacks
    union
    select
        account_id,
        marketplace_id
    from returns
    union
    select
        account_id,
        marketplace_id
    from v1_metrics

),

snapshot_span as (

    select
        account_id,
        min(snapshot_date) as first_snapshot_date,
        max(snapshot_date) as last_snapshot_date,
        count(distinct snapshot_date) as snapshot_days_count
    from snapshots
    group by account_id

),

accounts as (

    select
        account_id,
        list_sort(list(distinct marketplace_id)) as marketplace_ids
    from seen
    group by account_id

),

final as (

    select
        cast(accounts.account_id as varchar) as account_id,
        cast(accounts.marketplace_ids as varchar[]) as marketplace_ids,
        cast(len(accounts.marketplace_ids) as integer) as marketplaces_count,
        snapshot_span.first_snapshot_date,
        snapshot_span.last_snapshot_date,
        cast(coalesce(snapshot_span.snapshot_days_count, 0) as integer) as snapshot_days_count
    from accounts
    left join snapshot_span
        on accounts.account_id = snapshot_span.account_id

)

select * from final
