-- Campaign and canvas conversions in one shape, one row per conversion, user_key resolved
-- through the user table as for message events.
with users as (
    select braze_id, user_key
    from {{ ref('stg_braze__user') }}
),

conversions as (
    select
        event_id,
        braze_user_id,
        external_user_id,
        'campaign' as message_source,
        campaign_id,
        null::varchar as canvas_id,
        null::varchar as canvas_step_id,
        message_variation_id as variation_id,
        conversion_behavior_index,
        converted_at
    from {{ ref('stg_braze__campaign_conversion_event') }}

    union all

    select
        event_id,
        braze_user_id,
        external_user_id,
        'canvas' as message_source,
        null::varchar as campaign_id,
        canvas_id,
        canvas_step_id,
        canvas_variation_id as variation_id,
        conversion_behavior_index,
        converted_at
    from {{ ref('stg_braze__canvas_conversion_event') }}
)

select
    c.event_id,
    coalesce(c.external_user_id, u.user_key, c.braze_user_id) as user_key,
    c.braze_user_id,
    c.message_source,
    c.campaign_id,
    c.canvas_id,
    c.canvas_step_id,
    c.variation_id,
    c.conversion_behavior_index,
    c.converted_at
from conversions as c
left join users as u
    on c.braze_user_id = u.braze_id
