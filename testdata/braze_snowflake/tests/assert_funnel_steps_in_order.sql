-- A message is delivered after it is sent, opened after it is delivered and clicked (by a
-- human) after it is first opened. Returns the messages that break the order.
select message_key, sent_at, delivered_at, first_opened_at, first_clicked_at
from {{ ref('fct_message_funnel') }}
where delivered_at < sent_at
    or first_opened_at < delivered_at
    or (first_opened_at is not null and delivered_at is null)
    or first_clicked_at < first_opened_at
