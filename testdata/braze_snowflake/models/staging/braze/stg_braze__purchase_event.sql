-- One row per purchase: deduplicated on id, rows deleted in the source dropped, the price
-- converted to US dollars with the fixed rates of the currency_rates seed, and the JSON
-- properties the marts use pulled out.
with source as (
    select
        id,
        user_id,
        external_user_id,
        app_id,
        device_id,
        product_id,
        price,
        currency,
        properties,
        time,
        timezone,
        _fivetran_synced,
        _fivetran_deleted
    from {{ source('braze', 'purchase_event') }}
),

deduplicated as (
    select *
    from source
    where not nvl(_fivetran_deleted, false)
    qualify row_number() over (partition by id order by _fivetran_synced desc) = 1
),

rates as (
    select currency, usd_per_unit
    from {{ ref('currency_rates') }}
)

select
    d.id as event_id,
    d.user_id as braze_user_id,
    nullif(d.external_user_id, '') as external_user_id,
    coalesce(nullif(d.external_user_id, ''), d.user_id) as user_key,
    'purchase' as action,
    d.app_id,
    d.device_id,
    d.product_id,
    d.price::number(28, 6) as price,
    upper(d.currency) as currency,
    (d.price * r.usd_per_unit)::number(28, 6) as price_usd,
    parse_json(d.properties):payment_method::string as payment_method,
    try_to_number(parse_json(d.properties):quantity::string) as quantity,
    d.properties,
    d.time::timestamp_ntz as purchased_at,
    d.timezone,
    d._fivetran_synced::timestamp_ntz as synced_at
from deduplicated as d
left join rates as r
    on upper(d.currency) = r.currency
