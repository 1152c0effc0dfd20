-- Purchases with user_key resolved through the user table, one row per purchase.
with users as (
    select braze_id, user_key
    from {{ ref('stg_braze__user') }}
)

select
    p.event_id,
    coalesce(p.external_user_id, u.user_key, p.braze_user_id) as user_key,
    p.braze_user_id,
    p.product_id,
    p.quantity,
    p.price,
    p.currency,
    p.price_usd,
    p.payment_method,
    p.purchased_at
from {{ ref('stg_braze__purchase_event') }} as p
left join users as u
    on p.braze_user_id = u.braze_id
