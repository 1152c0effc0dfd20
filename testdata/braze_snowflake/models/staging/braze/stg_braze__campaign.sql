-- One row per campaign: its current version (the latest updated_at).
select
    campaign_id,
    updated_at,
    created_at,
    campaign_name,
    is_archived,
    is_draft,
    schedule_type,
    first_sent_at,
    last_sent_at,
    has_email,
    has_push,
    has_sms,
    tags,
    version_number as version_count
from {{ ref('stg_braze__campaign_versions') }}
where is_current_version
