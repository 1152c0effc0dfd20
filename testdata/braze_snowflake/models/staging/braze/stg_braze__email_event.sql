-- One row per email event: deduplicated on id (Fivetran delivers at least once), deleted rows
-- dropped, a normalized action, bot clicks and machine opens flagged.
-- Incremental: each run reads only what Fivetran synced since the last run, less a lookback
-- window for late and re-delivered events (var lookback_days), and replaces rows by event_id.
{{
    config(
        materialized='incremental',
        unique_key='event_id',
        on_schema_change='append_new_columns',
    )
}}
with source as (
    select
        id,
        user_id,
        external_user_id,
        campaign_id,
        campaign_updated_at,
        canvas_id,
        canvas_updated_at,
        canvas_step_id,
        canvas_variation_id,
        message_variation_id,
        send_id,
        dispatch_id,
        email_address,
        event_type,
        time,
        timezone,
        url,
        user_agent,
        is_suspected_bot_click,
        machine_open,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'email_event') }}
    {% if is_incremental() %}
    where _fivetran_synced > (
        select dateadd(day, -{{ var('lookback_days') }}, max(synced_at)) from {{ this }}
    )
    {% endif %}
),

deduplicated as (
    select *
    from source
    where not nvl(_fivetran_deleted, false)
    qualify row_number() over (partition by id order by _fivetran_synced desc) = 1
)

select
    id as event_id,
    user_id as braze_user_id,
    nullif(external_user_id, '') as external_user_id,
    coalesce(nullif(external_user_id, ''), user_id) as user_key,
    'email' as channel,
    {{ braze_event_action('event_type') }} as action,
    event_type,
    campaign_id,
    campaign_updated_at::timestamp_ntz as campaign_updated_at,
    canvas_id,
    canvas_updated_at::timestamp_ntz as canvas_updated_at,
    canvas_step_id,
    canvas_variation_id,
    message_variation_id,
    send_id,
    dispatch_id,
    lower(email_address) as email_address,
    url,
    user_agent,
    nvl(is_suspected_bot_click, false) as is_bot_click,
    nvl(machine_open, false) as is_machine_open,
    time::timestamp_ntz as occurred_at,
    timezone,
    _fivetran_synced::timestamp_ntz as synced_at
from deduplicated
