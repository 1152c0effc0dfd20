-- Credits each purchase (last touch) to the latest message the user engaged with (a human
-- open or click) no more than conversion_window_days before the purchase. Purchases with no
-- such message keep a null message_key.
with purchases as (
    select * from {{ ref('int_braze__purchases') }}
),

messages as (
    select message_key, user_key, first_engaged_at
    from {{ ref('int_braze__messages') }}
    where first_engaged_at is not null
)

select
    p.event_id,
    p.user_key,
    p.price_usd,
    p.purchased_at,
    m.message_key,
    m.first_engaged_at as message_engaged_at
from purchases as p
left join messages as m
    on m.user_key = p.user_key
    and m.first_engaged_at <= p.purchased_at
    and m.first_engaged_at >= dateadd(day, -{{ var('conversion_window_days', 7) }}, p.purchased_at)
qualify row_number() over (partition by p.event_id order by m.first_engaged_at desc, m.message_key) = 1
