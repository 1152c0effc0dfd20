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
        count_if(is_hard_bounce) as hard_bounces,
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
    md5(nvl(to_char(sent_date, 'YYYY-MM-DD'), '_mozt_null_') || '-' || nvl(message_source, '_mozt_null_') || '-' || nvl(campaign_id, '_mozt_null_') || '-' || nvl(canvas_id, '_mozt_null_') || '-' || nvl(canvas_step_id, '_mozt_null_') || '-' || nvl(variation_id, '_mozt_null_') || '-' || nvl(channel, '_mozt_null_'))
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
    deliveries::float / nullif(sends, 0) as delivery_rate,
    unique_opens::float / nullif(deliveries, 0) as open_rate,
    unique_clicks::float / nullif(deliveries, 0) as click_rate,
    unique_clicks::float / nullif(unique_opens, 0) as click_to_open_rate,
    converted_messages::float / nullif(deliveries, 0) as conversion_rate,
    unsubscribes::float / nullif(deliveries, 0) as unsubscribe_rate
from daily
