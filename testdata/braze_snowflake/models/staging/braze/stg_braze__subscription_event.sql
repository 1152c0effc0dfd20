-- One row per subscription group state change: deduplicated on id, deleted rows dropped.
with source as (
    select
        id,
        user_id,
        external_user_id,
        email_address,
        subscription_group_id,
        subscription_status,
        campaign_id,
        canvas_id,
        send_id,
        time,
        timezone,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'subscription_event') }}
),

deduplicated as (
    select *
    from source
    where not nvl(_fivetran_deleted, false)
    qualify row_number() over (partition by id order by _fivetran_synced desc) = 1
)

select
    id as event_id,
    user_id as braze_user_id,
    nullif(external_user_id, '') as external_user_id,
    coalesce(nullif(external_user_id, ''), user_id) as user_key,
    lower(email_address) as email_address,
    subscription_group_id,
    lower(subscription_status) as subscription_status,
    lower(subscription_status) = 'subscribed' as is_subscribed,
    campaign_id,
    canvas_id,
    send_id,
    time::timestamp_ntz as occurred_at,
    timezone,
    _fivetran_synced::timestamp_ntz as synced_at
from deduplicated
