-- One row per campaign version (campaign_id, updated_at), numbered in order, the current
-- (latest) version flagged. Events point at a version through campaign_updated_at.
with source as (
    select
        id,
        updated_at,
        created_at,
        name,
        archived,
        draft,
        schedule_type,
        first_sent,
        last_sent,
        channel_email,
        channel_ios_push,
        channel_android_push,
        channel_web_push,
        channel_sms,
        tags,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'campaign') }}
),

versions as (
    select *
    from source
    where not nvl(_fivetran_deleted, false)
    qualify row_number() over (partition by id, updated_at order by _fivetran_synced desc) = 1
)

select
    md5(nvl(id, '_mozt_null_') || '-' || nvl(to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS'), '_mozt_null_')) as campaign_version_key,
    id as campaign_id,
    updated_at::timestamp_ntz as updated_at,
    created_at::timestamp_ntz as created_at,
    name as campaign_name,
    nvl(archived, false) as is_archived,
    nvl(draft, false) as is_draft,
    schedule_type,
    first_sent::timestamp_ntz as first_sent_at,
    last_sent::timestamp_ntz as last_sent_at,
    nvl(channel_email, false) as has_email,
    nvl(channel_ios_push, false) or nvl(channel_android_push, false)
        or nvl(channel_web_push, false) as has_push,
    nvl(channel_sms, false) as has_sms,
    tags,
    row_number() over (partition by id order by updated_at) as version_number,
    row_number() over (partition by id order by updated_at desc) = 1 as is_current_version,
    _fivetran_synced::timestamp_ntz as synced_at
from versions
