//! `materialized: table`: built under a temporary name, then swapped in.

use super::{Job, Outcome, swap};
use crate::adapter::RelationKind;
use crate::error::Result;

pub fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    let tmp = swap::temp_relation(&rel);
    swap::clear(&mut job, &tmp)?;
    let sql = job.sql.trim_end().trim_end_matches(';');
    if let Some(stmt) = job.adapter.replace_table_sql(job.node, &rel, sql) {
        // One atomic statement (Snowflake): a failure leaves the previous table as it was.
        if job.catalog.kind(&rel) == Some(RelationKind::View) {
            job.conn.execute(&format!("drop view if exists {rel}"))?;
            job.catalog.set(&rel, None);
        }
        job.conn.execute(&stmt)?;
        job.catalog.set(&rel, Some(RelationKind::Table));
        return Ok(Outcome {
            message: format!("created table {}", rel.short()),
            rows: None,
        });
    }
    if let Err(e) = job.conn.execute(&format!("create table {tmp} as {sql}")) {
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
