-- One row per push event (one per device): deduplicated on id, deleted rows dropped, a
-- normalized action.
with source as (
    select
        id,
        user_id,
        external_user_id,
        app_id,
        device_id,
        campaign_id,
        campaign_updated_at,
        canvas_id,
        canvas_updated_at,
        canvas_step_id,
        canvas_variation_id,
        message_variation_id,
        send_id,
        dispatch_id,
        event_type,
        time,
        timezone,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'push_notification_event') }}
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
    'push' as channel,
    {{ braze_event_action('event_type') }} as action,
    event_type,
    app_id,
    device_id,
    campaign_id,
    campaign_updated_at::timestamp_ntz as campaign_updated_at,
    canvas_id,
    canvas_updated_at::timestamp_ntz as canvas_updated_at,
    canvas_step_id,
    canvas_variation_id,
    message_variation_id,
    send_id,
    dispatch_id,
    time::timestamp_ntz as occurred_at,
    timezone,
    _fivetran_synced::timestamp_ntz as synced_at
from deduplicated
