-- Credits each conversion to one message: the latest message of the same campaign (or the
-- same canvas step) sent to the user no more than conversion_window_days before it.
-- Conversions with no such message keep a null message_key.
with conversions as (
    select * from {{ ref('int_braze__conversions') }}
),

messages as (
    select message_key, user_key, campaign_id, canvas_id, canvas_step_id, channel, sent_at
    from {{ ref('int_braze__messages') }}
    where sent_at is not null
)

select
    c.event_id,
    c.user_key,
    c.message_source,
    c.campaign_id,
    c.canvas_id,
    c.canvas_step_id,
    c.conversion_behavior_index,
    c.converted_at,
    m.message_key,
    m.sent_at as message_sent_at
from conversions as c
left join messages as m
    on m.user_key = c.user_key
    and (
        (c.message_source = 'campaign' and m.campaign_id = c.campaign_id)
        or (
            c.message_source = 'canvas' and m.canvas_id = c.canvas_id
            and (c.canvas_step_id is null or m.canvas_step_id = c.canvas_step_id)
        )
    )
    and m.sent_at <= c.converted_at
    and m.sent_at >= dateadd(day, -{{ var('conversion_window_days', 7) }}, c.converted_at)
qualify row_number() over (partition by c.event_id order by m.sent_at desc, m.channel) = 1
