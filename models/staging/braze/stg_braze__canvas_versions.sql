-- One row per canvas version (canvas_id, updated_at), numbered in order, the current (latest)
-- version flagged. Events point at a version through canvas_updated_at.
with source as (
    select
        id,
        updated_at,
        created_at,
        name,
        archived,
        draft,
        enabled,
        schedule_type,
        first_sent,
        last_sent,
        channel_email,
        channel_ios_push,
        channel_android_push,
        channel_web_push,
        channel_sms,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'canvas') }}
),

versions as (
    select *
    from source
    where not coalesce(_fivetran_deleted, false)
    qualify row_number() over (partition by id, updated_at order by _fivetran_synced desc) = 1
)

select
    {{ surrogate_key(['id', 'updated_at']) }} as canvas_version_key,
    id as canvas_id,
    cast(updated_at as {{ type_timestamp() }}) as updated_at,
    cast(created_at as {{ type_timestamp() }}) as created_at,
    name as canvas_name,
    coalesce(archived, false) as is_archived,
    coalesce(draft, false) as is_draft,
    coalesce(enabled, false) as is_enabled,
    schedule_type,
    cast(first_sent as {{ type_timestamp() }}) as first_sent_at,
    cast(last_sent as {{ type_timestamp() }}) as last_sent_at,
    coalesce(channel_email, false) as has_email,
    coalesce(channel_ios_push, false) or coalesce(channel_android_push, false)
        or coalesce(channel_web_push, false) as has_push,
    coalesce(channel_sms, false) as has_sms,
    row_number() over (partition by id order by updated_at) as version_number,
    row_number() over (partition by id order by updated_at desc) = 1 as is_current_version,
    cast(_fivetran_synced as {{ type_timestamp() }}) as synced_at
from versions
