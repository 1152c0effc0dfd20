//! `materialized: braze_event_sync`: custom events, one sync row per model row, each sent
//! once. `PAYLOAD` is Braze's event object: `name`, `time` (ISO 8601), `app_id` when the model
//! has them, and `properties` from the other columns (see `append.rs`).

use super::append::{APP_ID, Field, Kind, TIME};
use crate::error::Result;
use crate::materialize::{Job, Outcome};

const EVENTS: Kind = Kind {
    what: "events",
    fields: &[
        Field::new("name", true, Some("varchar"), Some(("{c} = ''", "name is empty"))),
        TIME,
        APP_ID,
    ],
};

pub(super) fn build(job: Job<'_>) -> Result<Outcome> {
    super::append::build(job, &EVENTS)
}
