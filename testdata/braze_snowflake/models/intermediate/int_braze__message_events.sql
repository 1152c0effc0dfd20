-- Email and push events in one shape, one row per event. user_key is resolved through the user
-- table: events of users not yet identified when they happened carry only the Braze id, and
-- are credited to the profile's external id when the profile has one now.
with users as (
    select braze_id, user_key
    from {{ ref('stg_braze__user') }}
),

email as (
    select
        event_id,
        braze_user_id,
        external_user_id,
        channel,
        action,
        event_type,
        campaign_id,
        campaign_updated_at,
        canvas_id,
        canvas_updated_at,
        canvas_step_id,
        canvas_variation_id,
        message_variation_id,
        send_id,
        dispatch_id,
        null::varchar as device_id,
        url,
        is_bot_click,
        is_machine_open,
        occurred_at
    from {{ ref('stg_braze__email_event') }}
),

push as (
    select
        event_id,
        braze_user_id,
        external_user_id,
        channel,
        action,
        event_type,
        campaign_id,
        campaign_updated_at,
        canvas_id,
        canvas_updated_at,
        canvas_step_id,
        canvas_variation_id,
        message_variation_id,
        send_id,
        dispatch_id,
        device_id,
        null::varchar as url,
        false as is_bot_click,
        false as is_machine_open,
        occurred_at
    from {{ ref('stg_braze__push_notification_event') }}
),

events as (
    select * from email
    union all
    select * from push
)

select
    e.event_id,
    coalesce(e.external_user_id, u.user_key, e.braze_user_id) as user_key,
    e.braze_user_id,
    e.external_user_id,
    e.channel,
    e.action,
    e.event_type,
    iff(e.canvas_id is not null, 'canvas', 'campaign') as message_source,
    e.campaign_id,
    e.campaign_updated_at,
    e.canvas_id,
    e.canvas_updated_at,
    e.canvas_step_id,
    coalesce(e.message_variation_id, e.canvas_variation_id) as variation_id,
    e.send_id,
    e.dispatch_id,
    e.device_id,
    e.url,
    e.is_bot_click,
    e.is_machine_open,
    e.action = 'open' and not e.is_machine_open as is_human_open,
    e.action = 'click' and not e.is_bot_click as is_human_click,
    e.occurred_at
from events as e
left join users as u
    on e.braze_user_id = u.braze_id
