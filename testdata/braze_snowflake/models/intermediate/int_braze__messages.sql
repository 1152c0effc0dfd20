-- One row per message: a user, a dispatch and a channel (a push to two devices is one
-- message). Email counts as delivered on its Delivery event; push, which has no delivery
-- event, counts as delivered when at least one device's send did not bounce.
with events as (
    select * from {{ ref('int_braze__message_events') }}
),

aggregated as (
    select
        user_key,
        dispatch_id,
        channel,
        max(message_source) as message_source,
        max(campaign_id) as campaign_id,
        min(campaign_updated_at) as campaign_updated_at,
        max(canvas_id) as canvas_id,
        min(canvas_updated_at) as canvas_updated_at,
        max(canvas_step_id) as canvas_step_id,
        max(variation_id) as variation_id,
        max(send_id) as send_id,
        min(iff(action = 'send', occurred_at, null)) as sent_at,
        min(iff(action = 'delivery', occurred_at, null)) as email_delivered_at,
        count(distinct case when action = 'send' then coalesce(device_id, event_id) end) as send_count,
        count(distinct case when action in ('bounce', 'soft_bounce') then coalesce(device_id, event_id) end)
            as bounce_count,
        min(iff(action = 'bounce', occurred_at, null)) as hard_bounced_at,
        min(iff(action = 'soft_bounce', occurred_at, null)) as soft_bounced_at,
        min(iff(is_human_open, occurred_at, null)) as first_opened_at,
        max(iff(is_human_open, occurred_at, null)) as last_opened_at,
        count_if(is_human_open) as open_count,
        count_if(action = 'open' and is_machine_open) as machine_open_count,
        min(iff(is_human_click, occurred_at, null)) as first_clicked_at,
        max(iff(is_human_click, occurred_at, null)) as last_clicked_at,
        count_if(is_human_click) as click_count,
        count_if(action = 'click' and is_bot_click) as bot_click_count,
        min(iff(is_human_open or is_human_click, occurred_at, null)) as first_engaged_at,
        min(iff(action = 'unsubscribe', occurred_at, null)) as unsubscribed_at,
        min(iff(action = 'spam_report', occurred_at, null)) as spam_reported_at
    from events
    group by user_key, dispatch_id, channel
),

delivery as (
    select
        *,
        case
            when channel = 'email' then email_delivered_at
            when send_count > bounce_count then sent_at
        end as delivered_at
    from aggregated
)

select
    md5(nvl(user_key, '_mozt_null_') || '-' || nvl(dispatch_id, '_mozt_null_') || '-' || nvl(channel, '_mozt_null_')) as message_key,
    user_key,
    dispatch_id,
    channel,
    message_source,
    campaign_id,
    campaign_updated_at,
    canvas_id,
    canvas_updated_at,
    canvas_step_id,
    variation_id,
    send_id,
    sent_at,
    delivered_at,
    case when delivered_at is null then coalesce(hard_bounced_at, soft_bounced_at) end as bounced_at,
    delivered_at is null and hard_bounced_at is not null as is_hard_bounce,
    first_opened_at,
    last_opened_at,
    open_count,
    machine_open_count,
    first_clicked_at,
    last_clicked_at,
    click_count,
    bot_click_count,
    first_engaged_at,
    unsubscribed_at,
    spam_reported_at
from delivery
