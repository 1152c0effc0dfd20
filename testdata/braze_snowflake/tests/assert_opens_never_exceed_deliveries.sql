-- Every email a human opened must have been delivered: per campaign (or canvas step), the
-- messages opened can never outnumber the messages delivered. Returns the offending campaigns.
with messages as (
    select
        coalesce(campaign_id, canvas_step_id) as message_id,
        user_key,
        dispatch_id,
        max(iff(action = 'delivery', 1, 0)) as delivered,
        max(iff(is_human_open, 1, 0)) as opened
    from {{ ref('int_braze__message_events') }}
    where channel = 'email'
    group by coalesce(campaign_id, canvas_step_id), user_key, dispatch_id
)

select
    message_id,
    sum(delivered) as deliveries,
    sum(opened) as unique_opens
from messages
group by message_id
having sum(opened) > sum(delivered)
