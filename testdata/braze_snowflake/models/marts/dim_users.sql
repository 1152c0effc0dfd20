{{ config(materialized='table', tags=['braze', 'marts']) }}
-- One row per Braze user: profile, messaging activity per channel, conversions, purchases,
-- recency of engagement and an engagement tier. "Unique" opens and clicks count messages
-- opened or clicked by a human (machine opens and suspected bot clicks excluded). Days since
-- are counted up to var('as_of_date'), not today, so that the numbers are reproducible.
with users as (
    select * from {{ ref('stg_braze__user') }}
),

messages as (
    select
        user_key,
        count(case when channel = 'email' then sent_at end) as email_sends,
        count(case when channel = 'email' then delivered_at end) as email_deliveries,
        count(case when channel = 'email' then bounced_at end) as email_bounces,
        count(case when channel = 'email' then first_opened_at end) as email_unique_opens,
        sum(case when channel = 'email' then open_count else 0 end) as email_total_opens,
        count(case when channel = 'email' then first_clicked_at end) as email_unique_clicks,
        sum(case when channel = 'email' then click_count else 0 end) as email_total_clicks,
        count(case when channel = 'push' then sent_at end) as push_sends,
        count(case when channel = 'push' then delivered_at end) as push_deliveries,
        count(case when channel = 'push' then bounced_at end) as push_bounces,
        count(case when channel = 'push' then first_opened_at end) as push_unique_opens,
        count(sent_at) as total_sends,
        count(delivered_at) as total_deliveries,
        count(first_opened_at) as total_unique_opens,
        count(first_clicked_at) as total_unique_clicks,
        min(sent_at) as first_message_at,
        max(sent_at) as last_message_at,
        max(last_opened_at) as last_opened_at,
        max(last_clicked_at) as last_clicked_at
    from {{ ref('fct_message_funnel') }}
    group by user_key
),

conversions as (
    select
        user_key,
        count(*) as conversions,
        max(converted_at) as last_converted_at
    from {{ ref('int_braze__conversions') }}
    group by user_key
),

purchases as (
    select
        user_key,
        count(*) as purchases,
        sum(price_usd) as revenue_usd,
        min(purchased_at) as first_purchased_at,
        max(purchased_at) as last_purchased_at
    from {{ ref('int_braze__purchases') }}
    group by user_key
),

unsubscribes as (
    select
        user_key,
        min(occurred_at) as unsubscribed_at
    from {{ ref('int_braze__message_events') }}
    where channel = 'email' and action in ('unsubscribe', 'spam_report')
    group by user_key
),

engagements as (
    select user_key, occurred_at as engaged_at
    from {{ ref('int_braze__message_events') }}
    where is_human_open or is_human_click
    union all
    select user_key, converted_at as engaged_at
    from {{ ref('int_braze__conversions') }}
    union all
    select user_key, purchased_at as engaged_at
    from {{ ref('int_braze__purchases') }}
),

last_engagement as (
    select user_key, max(engaged_at) as last_engaged_at
    from engagements
    group by user_key
),

joined as (
    select
        u.user_key,
        u.external_id,
        u.braze_id,
        u.is_anonymous,
        u.email,
        u.phone,
        u.country,
        u.language,
        u.time_zone,
        u.plan_type,
        u.favorite_category,
        u.created_at,
        zeroifnull(m.email_sends) as email_sends,
        zeroifnull(m.email_deliveries) as email_deliveries,
        zeroifnull(m.email_bounces) as email_bounces,
        zeroifnull(m.email_unique_opens) as email_unique_opens,
        zeroifnull(m.email_total_opens) as email_total_opens,
        zeroifnull(m.email_unique_clicks) as email_unique_clicks,
        zeroifnull(m.email_total_clicks) as email_total_clicks,
        zeroifnull(m.push_sends) as push_sends,
        zeroifnull(m.push_deliveries) as push_deliveries,
        zeroifnull(m.push_bounces) as push_bounces,
        zeroifnull(m.push_unique_opens) as push_unique_opens,
        zeroifnull(m.total_sends) as total_sends,
        zeroifnull(m.total_deliveries) as total_deliveries,
        zeroifnull(m.total_unique_opens) as total_unique_opens,
        zeroifnull(m.total_unique_clicks) as total_unique_clicks,
        zeroifnull(c.conversions) as conversions,
        zeroifnull(p.purchases) as purchases,
        zeroifnull(p.revenue_usd) as revenue_usd,
        p.first_purchased_at,
        p.last_purchased_at,
        m.first_message_at,
        m.last_message_at,
        m.last_opened_at,
        m.last_clicked_at,
        c.last_converted_at,
        e.last_engaged_at,
        s.unsubscribed_at
    from users as u
    left join messages as m
        on u.user_key = m.user_key
    left join conversions as c
        on u.user_key = c.user_key
    left join purchases as p
        on u.user_key = p.user_key
    left join unsubscribes as s
        on u.user_key = s.user_key
    left join last_engagement as e
        on u.user_key = e.user_key
)

select
    *,
    unsubscribed_at is not null as is_unsubscribed,
    datediff(day, last_message_at, '{{ var('as_of_date') }}'::date) as days_since_last_message,
    datediff(day, last_engaged_at, '{{ var('as_of_date') }}'::date) as days_since_last_engaged,
    case
        when last_engaged_at is null then 'dormant'
        when datediff(day, last_engaged_at, '{{ var('as_of_date') }}'::date) <= {{ var('engagement_active_days') }} then 'active'
        when datediff(day, last_engaged_at, '{{ var('as_of_date') }}'::date) <= {{ var('engagement_lapsing_days') }} then 'lapsing'
        else 'dormant'
    end as engagement_tier,
    email_unique_opens::float / nullif(email_deliveries, 0) as email_open_rate,
    email_unique_clicks::float / nullif(email_deliveries, 0) as email_click_rate,
    push_unique_opens::float / nullif(push_deliveries, 0) as push_open_rate,
    total_unique_opens::float / nullif(total_deliveries, 0) as open_rate,
    total_unique_clicks::float / nullif(total_deliveries, 0) as click_rate
from joined
