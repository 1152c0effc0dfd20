-- History of campaign names and states: a new version whenever Braze renames, archives or
-- redrafts a campaign, so reports can show the name a campaign had when a message went out.
{% snapshot campaign_names_snapshot %}
{{
    config(
        target_schema='snapshots',
        unique_key='campaign_id',
        strategy='timestamp',
        updated_at='updated_at',
        invalidate_hard_deletes=true,
    )
}}
select campaign_id, updated_at, campaign_name, is_archived, is_draft
from {{ ref('stg_braze__campaign') }}
{% endsnapshot %}
