-- One row per canvas: its current version (the latest updated_at).
select
    canvas_id,
    updated_at,
    created_at,
    canvas_name,
    is_archived,
    is_draft,
    is_enabled,
    schedule_type,
    first_sent_at,
    last_sent_at,
    has_email,
    has_push,
    has_sms,
    version_number as version_count
from {{ ref('stg_braze__canvas_versions') }}
where is_current_version
