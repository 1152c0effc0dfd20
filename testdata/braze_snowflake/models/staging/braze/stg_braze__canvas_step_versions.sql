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
    where not nvl(_fivetran_deleted, false)
    qualify row_number() over (partition by id, canvas_updated_at order by _fivetran_synced desc) = 1
)

select
    md5(nvl(id, '_mozt_null_') || '-' || nvl(to_char(canvas_updated_at, 'YYYY-MM-DD HH24:MI:SS'), '_mozt_null_')) as canvas_step_version_key,
    id as canvas_step_id,
    canvas_id,
    canvas_updated_at::timestamp_ntz as canvas_updated_at,
    name as canvas_step_name,
    case
        when nvl(channel_email, false) then 'email'
        when nvl(channel_ios_push, false) or nvl(channel_android_push, false)
            or nvl(channel_web_push, false) then 'push'
        when nvl(channel_sms, false) then 'sms'
    end as channel,
    row_number() over (partition by id order by canvas_updated_at desc) = 1 as is_current_version,
    _fivetran_synced::timestamp_ntz as synced_at
from versions
