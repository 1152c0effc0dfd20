{{ config(materialized='table', tags=['braze', 'marts']) }}
-- Message performance per campaign (or canvas step), variation, channel and send day. Every
-- message is counted on the day it was sent (a cohort): its opens, clicks, conversions and
-- revenue count on that day however late they came, so the rates always lie between 0 and 1.
with funnel as (
    select * from {{ ref('fct_message_funnel') }}
    where sent_at is not null
),

daily as (
    select
        sent_date,
        message_source,
        campaign_id,
        canvas_id,
        canvas_step_id,
        variation_id,
        channel,
        max(message_name) as message_name,
        max(canvas_step_name) as canvas_step_name,
        count(*) as sends,
        count(delivered_at) as deliveries,
        count(bounced_at) as bounces,
        count(case when is_hard_bounce then 1 end) as hard_bounces,
        count(first_opened_at) as unique_opens,
        sum(open_count) as total_opens,
        count(first_clicked_at) as unique_clicks,
        sum(click_count) as total_clicks,
        sum(machine_open_count) as machine_opens,
        sum(bot_click_count) as bot_clicks,
        count(unsubscribed_at) as unsubscribes,
        count(spam_reported_at) as spam_reports,
        count(converted_at) as converted_messages,
        sum(conversions) as conversions,
        sum(attributed_purchases) as attributed_purchases,
        sum(attributed_revenue_usd) as revenue_usd
    from funnel
    group by sent_date, message_source, campaign_id, canvas_id, canvas_step_id, variation_id, channel
)

select
    {{ surrogate_key(['sent_date', 'message_source', 'campaign_id', 'canvas_id', 'canvas_step_id', 'variation_id', 'channel']) }}
        as performance_key,
    sent_date,
    message_source,
    campaign_id,
    canvas_id,
    canvas_step_id,
    variation_id,
    channel,
    message_name,
    canvas_step_name,
    sends,
    deliveries,
    bounces,
    hard_bounces,
    unique_opens,
    total_opens,
    unique_clicks,
    total_clicks,
    machine_opens,
    bot_clicks,
    unsubscribes,
    spam_reports,
    converted_messages,
    conversions,
    attributed_purchases,
    revenue_usd,
    {{ safe_divide('deliveries', 'sends') }} as delivery_rate,
    {{ safe_divide('unique_opens', 'deliveries') }} as open_rate,
    {{ safe_divide('unique_clicks', 'deliveries') }} as click_rate,
    {{ safe_divide('unique_clicks', 'unique_opens') }} as click_to_open_rate,
    {{ safe_divide('converted_messages', 'deliveries') }} as conversion_rate,
    {{ safe_divide('unsubscribes', 'deliveries') }} as unsubscribe_rate
from daily
