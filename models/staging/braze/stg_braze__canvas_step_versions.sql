-- One row per canvas step and canvas version (canvas_step_id, canvas_updated_at), the step's
-- current version flagged.
with source as (
    select
        id,
        canvas_id,
        canvas_updated_at,
        name,
        channel_email,
        channel_ios_push,
        channel_android_push,
        channel_web_push,
        channel_sms,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'canvas_step') }}
),

versions as (
    select *
    from source
    where not coalesce(_fivetran_deleted, false)
    qualify row_number() over (partition by id, canvas_updated_at order by _fivetran_synced desc) = 1
)

select
    {{ surrogate_key(['id', 'canvas_updated_at']) }} as canvas_step_version_key,
    id as canvas_step_id,
    canvas_id,
    cast(canvas_updated_at as {{ type_timestamp() }}) as canvas_updated_at,
    name as canvas_step_name,
    case
        when coalesce(channel_email, false) then 'email'
        when coalesce(channel_ios_push, false) or coalesce(channel_android_push, false)
            or coalesce(channel_web_push, false) then 'push'
        when coalesce(channel_sms, false) then 'sms'
    end as channel,
    row_number() over (partition by id order by canvas_updated_at desc) = 1 as is_current_version,
    cast(_fivetran_synced as {{ type_timestamp() }}) as synced_at
from versions
