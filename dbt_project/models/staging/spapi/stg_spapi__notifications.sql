-- One row per notification (notificationId) received from the SQS queue. The intake keeps one row
-- per notificationId already; the qualify guards a hand-loaded table.
with

source_notifications as (

    select * from {{ source_or_empty('spapi', 'notifications', {
        'notification_id': 'varchar', 'notification_type': 'varchar', 'notification_version': 'varchar',
        'payload_version': 'varchar', 'event_time': 'timestamp', 'publish_time': 'timestamp',
        'subscription_id': 'varchar', 'application_id': 'varchar', 'account_id': 'varchar',
        'previous_account_status': 'varchar', 'current_account_status': 'varchar', 'payload': 'json',
        'envelope': 'json', 'sqs_message_id': 'varchar', 'received_at': 'timestamp', 'recorded_at': 'timestamp',
    }) }}

),

final as (

    select
        cast(notification_id as varchar) as notification_id,
        cast(notification_type as varchar) as notification_type,
        cast(account_id as varchar) as account_id,
        cast(subscription_id as varchar) as subscription_id,
        -- Order by Amazon's own times, never by arrival: SQS may deliver out of order.
        cast(event_time as timestamp) as event_time,
        cast(publish_time as timestamp) as publish_time,
        cast(coalesce(event_time, publish_time, received_at) as timestamp) as occurred_at,
        cast(previous_account_status as varchar) as previous_account_status,
        cast(current_account_status as varchar) as current_account_status,
        cast(payload_version as varchar) as payload_version,
        cast(received_at as timestamp) as received_at
    from source_notifications
    qualify row_number() over (partition by notification_id order by received_at) = 1

)

select * from final
