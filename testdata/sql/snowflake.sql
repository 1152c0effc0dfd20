-- name: qualify_dedup
select id, user_id, event_type, occurred_at
from events
qualify row_number() over (partition by id order by _loaded_at desc) = 1

-- name: lateral_flatten
select e.id, f.value:sku::string as sku, f.value:qty::int as qty, f.index
from events e,
     lateral flatten(input => e.payload:items) f
where e.event_type = 'purchase'

-- name: colon_paths_and_casts
select
    id,
    payload:device.os::varchar as os,
    payload:device.model::string as device_model,
    payload['campaign']['id']::number as campaign_id,
    payload:"utm-source"::string as utm_source
from events

-- name: iff_and_zeroifnull
select
    user_id,
    iff(sum(amount) > 100, 'high', 'low') as value_band,
    zeroifnull(sum(amount)) as revenue,
    div0(sum(amount), count(*)) as avg_amount
from events
group by user_id

-- name: window_frames
select
    user_id,
    occurred_at,
    sum(amount) over (partition by user_id order by occurred_at rows between unbounded preceding and current row) as running_total,
    avg(amount) over (partition by user_id order by occurred_at rows between 6 preceding and current row) as moving_avg,
    lag(occurred_at) over (partition by user_id order by occurred_at) as previous_at
from events

-- name: pivot_static
select *
from (select user_id, event_type, amount from events)
    pivot (sum(amount) for event_type in ('purchase', 'refund')) as p (user_id, purchases, refunds)

-- name: unpivot
select user_id, metric, value
from (select user_id, sum(amount) as revenue, count(*) as events from events group by user_id)
    unpivot (value for metric in (revenue, events))

-- name: cte_chain
with base as (
    select id, user_id, amount, occurred_at from events where amount is not null
),
daily as (
    select user_id, date_trunc('day', occurred_at) as day, sum(amount) as amount
    from base
    group by 1, 2
),
ranked as (
    select *, rank() over (partition by user_id order by amount desc) as rnk
    from daily
)
select user_id, day, amount from ranked where rnk <= 3

-- name: dateadd_datediff_keywords
select
    id,
    dateadd(day, -7, occurred_at) as week_before,
    datediff(minute, occurred_at, current_timestamp()) as minutes_ago,
    date_trunc(month, occurred_at) as month,
    date_part(dow, occurred_at) as weekday,
    last_day(occurred_at, month) as month_end
from events

-- name: semi_structured_object
select
    u.id,
    u.attributes:preferences:language::string as language,
    object_keys(u.attributes) as attribute_names,
    array_size(u.attributes:tags) as tag_count,
    get_path(u.attributes, 'address.city')::string as city
from users u

-- name: try_parse_json
select id, try_parse_json(payload:raw::string):status::string as status
from events

-- name: listagg_within_group
select user_id, listagg(distinct event_type, ',') within group (order by event_type) as types
from events
group by user_id

-- name: array_agg_object_construct
select
    user_id,
    array_agg(object_construct('id', id, 'type', event_type)) within group (order by occurred_at) as timeline
from events
group by user_id

-- name: left_join_coalesce
select
    u.id as user_id,
    u.email,
    coalesce(o.order_count, 0) as order_count,
    o.first_order_at
from users u
left join (
    select user_id, count(*) as order_count, min(ordered_at) as first_order_at
    from orders
    group by user_id
) o on o.user_id = u.id

-- name: exists_correlated
select u.id, u.email
from users u
where exists (select 1 from orders o where o.user_id = u.id and o.status = 'paid')
  and not exists (select 1 from events e where e.user_id = u.id and e.event_type = 'unsubscribe')

-- name: in_subquery
select id, email from users where id in (select user_id from orders where total > 100)

-- name: scalar_subquery
select
    o.order_id,
    o.total,
    (select max(e.occurred_at) from events e where e.user_id = o.user_id) as last_event_at
from orders o

-- name: union_all_by_position
select id, user_id, occurred_at as at, 'event' as kind from events
union all
select order_id, user_id, ordered_at, 'order' from orders

-- name: select_star_exclude_rename
select * exclude (payload) rename (occurred_at as event_at) from events

-- name: select_star_replace
select * replace (lower(email) as email) from users

-- name: lateral_alias_reuse
select
    amount * 1.2 as gross,
    gross - amount as tax,
    tax / nullif(gross, 0) as tax_share
from events
where gross > 10

-- name: group_by_all
select user_id, event_type, count(*) as n
from events
group by all

-- name: having_and_order_by_alias
select user_id, sum(amount) as revenue
from events
group by user_id
having revenue > 0
order by revenue desc
limit 10

-- name: case_searched_and_simple
select
    id,
    case event_type when 'purchase' then 1 when 'refund' then -1 else 0 end as sign,
    case when amount >= 100 then 'large' when amount >= 10 then 'medium' else 'small' end as size
from events

-- name: regexp_and_split
select
    id,
    regexp_substr(email, '@(.*)$', 1, 1, 'e') as domain,
    split_part(email, '@', 1) as local_part,
    regexp_replace(email, '\\d+', '') as email_no_digits
from users

-- name: time_travel_at
select id, email from users at(offset => -60 * 5)

-- name: sample_rows
select id from events sample (10 rows)

-- name: match_recognize
select * from events
match_recognize (
    partition by user_id order by occurred_at
    measures first(occurred_at) as start_at
    one row per match
    pattern (a b+)
    define a as event_type = 'view', b as event_type = 'purchase'
)

-- name: connect_by
select id, email, level from users start with id = 1 connect by prior id = id + 1

-- name: generator_table_function
select seq4() as n, dateadd(day, seq4(), '2024-01-01'::date) as day
from table(generator(rowcount => 365))

-- name: flatten_table_function
select f.key, f.value
from users u, table(flatten(input => u.attributes, recursive => true)) f

-- name: qualify_with_window_alias
select user_id, occurred_at, row_number() over (partition by user_id order by occurred_at) as rn
from events
qualify rn = 1

-- name: nested_ctes_and_joins
with paid as (
    select order_id, user_id, total, ordered_at from orders where status = 'paid'
),
first_paid as (
    select user_id, min(ordered_at) as first_paid_at from paid group by user_id
),
enriched as (
    select p.*, f.first_paid_at, p.ordered_at = f.first_paid_at as is_first
    from paid p
    join first_paid f using (user_id)
)
select user_id, count_if(is_first) as firsts, sum(total) as revenue
from enriched
group by user_id

-- name: to_timestamp_and_convert_timezone
select
    id,
    to_timestamp_ntz(payload:ts::number / 1000) as ts,
    convert_timezone('UTC', 'America/New_York', occurred_at) as occurred_at_ny,
    to_char(occurred_at, 'YYYY-MM') as month_label
from events

-- name: quoted_identifiers
select "id" as "Event Id", "user_id" from events

-- name: approx_and_percentile
select
    event_type,
    approx_count_distinct(user_id) as users,
    percentile_cont(0.5) within group (order by amount) as median_amount
from events
group by event_type

-- name: cross_join_dates
with days as (
    select dateadd(day, seq4(), '2024-01-01'::date) as day from table(generator(rowcount => 31))
)
select d.day, u.id as user_id
from days d cross join users u

-- name: ilike_any
select id from users where email ilike any ('%@gmail.com', '%@yahoo.com')

-- name: values_inline
select column1 as code, column2 as label from values ('a', 'Alpha'), ('b', 'Beta')

-- name: equal_null_and_is_distinct
select o.order_id from orders o join users u on equal_null(o.user_id, u.id) where o.status is distinct from 'void'

-- name: hash_and_md5_keys
select md5(concat_ws('|', id, user_id)) as event_key, hash(id, user_id) as h from events

-- name: alias_in_group_by_and_qualify
select date_trunc('week', occurred_at) as week, user_id, sum(amount) as amount
from events
group by week, user_id
qualify row_number() over (partition by week order by amount desc) <= 10

-- name: trailing_comma_in_select
select
    id,
    user_id,
from events
