-- Rates are shares: every rate in the marts lies in [0, 1]. Returns the offending rows.
select 'dim_users' as model, user_key as row_key
from {{ ref('dim_users') }}
where email_open_rate not between 0 and 1
    or email_click_rate not between 0 and 1
    or push_open_rate not between 0 and 1
    or open_rate not between 0 and 1
    or click_rate not between 0 and 1

union all

select 'fct_campaign_performance' as model, performance_key as row_key
from {{ ref('fct_campaign_performance') }}
where delivery_rate not between 0 and 1
    or open_rate not between 0 and 1
    or click_rate not between 0 and 1
    or click_to_open_rate not between 0 and 1
    or conversion_rate not between 0 and 1
    or unsubscribe_rate not between 0 and 1
