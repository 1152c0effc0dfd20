-- A Braze catalog of the products bought, with how popular they are (for recommendations in
-- messages): one item per product. Braze Cloud Data Ingestion reads the changed items with
-- their changed fields, and products no longer bought marked DELETED.
{{ config(materialized='braze_catalog_sync') }}
select
    product_id as id,
    count(*) as purchases,
    count(distinct user_key) as buyers,
    round(sum(price_usd), 2) as revenue_usd,
    max(purchased_at) as last_purchased_at
from {{ ref('int_braze__purchases') }}
where product_id is not null
group by product_id
