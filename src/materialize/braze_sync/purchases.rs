//! `materialized: braze_purchase_sync`: purchases, one sync row per model row, each sent once.
//! `PAYLOAD` is Braze's purchase object: `product_id`, `currency` (ISO 4217), `price` (a
//! number), `quantity` (1 to 100, Braze's default 1), `time`, `app_id`, and `properties`
//! from the other columns (see `append.rs`).

use super::append::{APP_ID, Field, Kind, TIME};
use crate::error::Result;
use crate::materialize::{Job, Outcome};

const PURCHASES: Kind = Kind {
    what: "purchases",
    fields: &[
        Field::new(
            "product_id",
            true,
            Some("varchar"),
            Some(("{c} = ''", "product_id is empty")),
        ),
        Field::new(
            "currency",
            true,
            Some("varchar"),
            Some(("length({c}) <> 3", "currency is not a three-letter ISO 4217 code")),
        ),
        Field::new("price", true, Some("double"), None),
        Field::new(
            "quantity",
            false,
            Some("integer"),
            Some(("{c} not between 1 and 100", "quantity is not between 1 and 100")),
        ),
        TIME,
        APP_ID,
    ],
};

pub(super) fn build(job: Job<'_>) -> Result<Outcome> {
    super::append::build(job, &PURCHASES)
}
