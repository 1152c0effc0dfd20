{{ config(materialized='table', tags=['braze', 'marts']) }}
-- One row per message (a user, a dispatch and a channel): when it was sent, delivered, first
-- opened and first clicked by a human, and whether it converted, with the conversions and
-- purchase revenue credited to it. Names are the campaign's or canvas's current ones, plus
-- the name of the version that sent the message.
with messages as (
    select * from {{ ref('int_braze__messages') }}
),

conversions as (
    select
        message_key,
        count(*) as conversions,
        min(converted_at) as first_converted_at
    from {{ ref('int_braze__conversion_attribution') }}
    where message_key is not null
    group by message_key
),

revenue as (
    select
        message_key,
        count(*) as attributed_purchases,
        sum(price_usd) as attributed_revenue_usd
    from {{ ref('int_braze__purchase_attribution') }}
    where message_key is not null
    group by message_key
),

campaigns as (
    select campaign_id, campaign_name from {{ ref('stg_braze__campaign') }}
),

campaign_versions as (
    select campaign_id, updated_at, campaign_name from {{ ref('stg_braze__campaign_versions') }}
),

canvases as (
    select canvas_id, canvas_name from {{ ref('stg_braze__canvas') }}
),

canvas_versions as (
    select canvas_id, updated_at, canvas_name from {{ ref('stg_braze__canvas_versions') }}
),

canvas_steps as (
    select canvas_step_id, canvas_step_name from {{ ref('stg_braze__canvas_step') }}
)

select
    m.message_key,
    m.user_key,
    m.dispatch_id,
    m.channel,
    m.message_source,
    m.campaign_id,
    m.canvas_id,
    m.canvas_step_id,
    m.variation_id,
    m.send_id,
    coalesce(ca.campaign_name, cv.canvas_name) as message_name,
    coalesce(cav.campaign_name, cvv.canvas_name) as message_name_at_send,
    cs.canvas_step_name,
    m.sent_at,
    m.sent_at::date as sent_date,
    m.delivered_at,
    m.bounced_at,
    m.is_hard_bounce,
    m.first_opened_at,
    m.last_opened_at,
    m.first_clicked_at,
    m.last_clicked_at,
    r.first_converted_at as converted_at,
    m.unsubscribed_at,
    m.spam_reported_at,
    m.sent_at is not null as is_sent,
    m.delivered_at is not null as is_delivered,
    m.bounced_at is not null as is_bounced,
    m.first_opened_at is not null as is_opened,
    m.first_clicked_at is not null as is_clicked,
    r.first_converted_at is not null as is_converted,
    m.open_count,
    m.machine_open_count,
    m.click_count,
    m.bot_click_count,
    coalesce(r.conversions, 0) as conversions,
    coalesce(rv.attributed_purchases, 0) as attributed_purchases,
    coalesce(rv.attributed_revenue_usd, 0) as attributed_revenue_usd,
    datediff(minute, m.delivered_at, m.first_opened_at) as minutes_to_first_open,
    datediff(minute, m.first_opened_at, m.first_clicked_at) as minutes_open_to_click
from messages as m
left join conversions as r
    on m.message_key = r.message_key
left join revenue as rv
    on m.message_key = rv.message_key
left join campaigns as ca
    on m.campaign_id = ca.campaign_id
left join campaign_versions as cav
    on m.campaign_id = cav.campaign_id
    and m.campaign_updated_at = cav.updated_at
left join canvases as cv
    on m.canvas_id = cv.canvas_id
left join canvas_versions as cvv
    on m.canvas_id = cvv.canvas_id
    and m.canvas_updated_at = cvv.updated_at
left join canvas_steps as cs
    on m.canvas_step_id = cs.canvas_step_id
