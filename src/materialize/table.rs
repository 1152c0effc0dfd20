//! `materialized: table`: built under a temporary name, then swapped in.

use super::{Job, Outcome, swap};
use crate::adapter::RelationKind;
use crate::error::Result;

pub fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    let tmp = swap::temp_relation(&rel);
    swap::clear(&mut job, &tmp)?;
    let sql = job.sql.trim().trim_end_matches(';');
    if let Err(e) = job.conn.execute(&format!("create table {tmp} as\n{sql}")) {
        let _ = job.conn.execute(&format!("drop table if exists {tmp}"));
        return Err(e);
    }
    job.catalog.set(&tmp, Some(RelationKind::Table));
    swap::swap_in(&mut job, &tmp, RelationKind::Table, &rel)?;
    Ok(Outcome {
        message: format!("created table {}", rel.short()),
        rows: None,
    })
}
