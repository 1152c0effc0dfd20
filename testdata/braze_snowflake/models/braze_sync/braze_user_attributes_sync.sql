-- What Braze Cloud Data Ingestion reads to update user profiles: for each user whose values
-- changed since the last run, UPDATED_AT, EXTERNAL_ID and a PAYLOAD of only the changed
-- attributes. Users without an external id cannot be matched in Braze and are left out.
{{ config(materialized='braze_user_sync', braze_identifier='external_id') }}
select
    external_id,
    engagement_tier,
    round(revenue_usd, 2) as lifetime_value,
    last_purchased_at as last_purchase_at,
    round(email_open_rate, 4) as email_open_rate
from {{ ref('dim_users') }}
where external_id is not null
