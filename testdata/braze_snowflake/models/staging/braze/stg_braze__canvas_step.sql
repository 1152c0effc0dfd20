-- One row per canvas step: its current version (the latest canvas version it appears in).
select
    canvas_step_id,
    canvas_id,
    canvas_updated_at,
    canvas_step_name,
    channel
from {{ ref('stg_braze__canvas_step_versions') }}
where is_current_version
