-- One row per Braze user: the latest sync of each profile, deleted profiles dropped.
-- user_key is the external id when the app identified the user, else the Braze id.
with source as (
    select
        external_id,
        braze_id,
        email,
        phone,
        country,
        language,
        time_zone,
        created_at,
        plan_type,
        favorite_category,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'user') }}
),

latest as (
    select *
    from source
    qualify row_number() over (partition by braze_id order by _fivetran_synced desc) = 1
)

select
    coalesce(nullif(external_id, ''), braze_id) as user_key,
    nullif(external_id, '') as external_id,
    braze_id,
    nullif(external_id, '') is null as is_anonymous,
    lower(nullif(email, '')) as email,
    nullif(phone, '') as phone,
    upper(country) as country,
    lower(language) as language,
    time_zone,
    created_at::timestamp_ntz as created_at,
    nullif(plan_type, '') as plan_type,
    nullif(favorite_category, '') as favorite_category,
    _fivetran_synced::timestamp_ntz as synced_at
from latest
where not nvl(_fivetran_deleted, false)
