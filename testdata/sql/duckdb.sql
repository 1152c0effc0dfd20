-- name: qualify_dedup
select id, user_id, event_type from events
qualify row_number() over (partition by id order by _loaded_at desc) = 1

-- name: pivot_on_using
pivot events on event_type using sum(amount) group by user_id

-- name: pivot_select_form
select * from (pivot events on event_type using sum(amount) group by user_id)

-- name: unpivot_on
unpivot (select user_id, sum(amount) as revenue, count(*) as n from events group by user_id) on revenue, n into name metric value v

-- name: summarize
summarize events

-- name: asof_join
select o.order_id, e.event_type
from orders o asof join events e on o.user_id = e.user_id and o.ordered_at >= e.occurred_at

-- name: using_sample
select * from events using sample 10%

-- name: tablesample
select id from events tablesample 5 percent

-- name: power_operator
select amount ** 2 as squared from events

-- name: starts_with_operator
select email from users where email ^@ 'admin'

-- name: list_lambda
select order_id, list_transform(items, x -> x.sku) as skus, list_filter(items, x -> x.qty > 1) as multi from orders

-- name: struct_access
select order_id, items[1].sku as first_sku, len(items) as n_items from orders

-- name: struct_pack_and_dot
select s.a, s.b from (select {'a': 1, 'b': 'x'} as s)

-- name: exclude_replace
select * exclude (payload) replace (lower(event_type) as event_type) from events

-- name: columns_expression
select columns('amount|id') from events

-- name: group_by_all_order_by_all
select user_id, event_type, count(*) as n from events group by all order by all

-- name: window_frames_range
select
    user_id,
    occurred_at,
    sum(amount) over (partition by user_id order by occurred_at range between interval 7 days preceding and current row) as weekly,
    count(*) over w as n
from events
window w as (partition by user_id)

-- name: date_functions
select
    id,
    date_trunc('month', occurred_at) as month,
    date_diff('day', occurred_at, current_date) as age_days,
    occurred_at + interval 1 day as next_day,
    strftime(occurred_at, '%Y-%m') as label,
    epoch(occurred_at) as epoch_s
from events

-- name: json_arrow
select id, payload->>'$.device.os' as os, payload->'$.items' as items from events

-- name: json_extract_string
select id, json_extract_string(payload, '$.device.os') as os from events

-- name: read_parquet_function
select * from read_parquet('data/events/*.parquet')

-- name: read_csv_auto
select a, b from read_csv_auto('seeds/x.csv', header = true)

-- name: from_file_string
select * from 'data/events.parquet'

-- name: unnest_list
select order_id, unnest(items) as item from orders

-- name: unnest_in_from
select o.order_id, i.sku from orders o, unnest(o.items) as t(i)

-- name: union_by_name
select id, user_id from events
union all by name
select order_id as id, user_id from orders

-- name: cte_chain_with_star
with a as (select * from events), b as (select *, amount * 2 as double_amount from a)
select id, double_amount, event_type from b

-- name: positional_join
select * from events positional join orders

-- name: list_comprehension
select [x * 2 for x in [1, 2, 3]] as doubled

-- name: string_slicing
select email[1:3] as prefix, email[-3:] as suffix from users

-- name: filter_clause
select user_id, count(*) filter (where event_type = 'purchase') as purchases from events group by user_id

-- name: macro_style_generate_series
select range as n from range(10)

-- name: generate_series_date
select unnest(generate_series(date '2024-01-01', date '2024-01-31', interval 1 day)) as day

-- name: arg_max
select user_id, arg_max(event_type, occurred_at) as last_type, max_by(amount, occurred_at) as last_amount from events group by user_id

-- name: regexp_extract
select regexp_extract(email, '@(.*)$', 1) as domain, regexp_matches(email, '\d+') as has_digit from users

-- name: try_cast_and_double_colon
select try_cast(amount as integer) as amount_int, occurred_at::date as day, '42'::int as answer from events

-- name: left_join_using
select * from events e left join users u on e.user_id = u.id left join orders o using (user_id)

-- name: semi_anti_join
select * from users semi join orders on users.id = orders.user_id

-- name: recursive_cte
with recursive t(n) as (select 1 union all select n + 1 from t where n < 10) select n from t

-- name: distinct_on
select distinct on (user_id) user_id, occurred_at, event_type from events order by user_id, occurred_at desc

-- name: lateral_subquery
select u.id, l.last_at from users u, lateral (select max(occurred_at) as last_at from events e where e.user_id = u.id) l

-- name: from_first
from events select id, user_id where amount > 0

-- name: map_and_struct_functions
select map_keys(map {'a': 1}) as k, struct_extract({'x': 1}, 'x') as x, list_value(1, 2) as l

-- name: implicit_lateral_subquery
select u.id, l.next_id from users u, (select id + 1 as next_id) l

-- name: alias_used_before_defined
select total_with_tax - total as tax, total * 1.2 as total_with_tax from orders

-- name: trailing_comma
select
    id,
    user_id,
from events
