//! `materialized: view`.

use super::{Job, Outcome, swap};
use crate::adapter::RelationKind;
use crate::error::Result;

pub(crate) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    let sql = job.sql.trim_end().trim_end_matches(';');
    if job.catalog.kind(&rel) == Some(RelationKind::Table) {
        // A table stands where the view goes: build the view aside, then swap.
        let tmp = swap::temp_relation(&rel);
        swap::clear(&mut job, &tmp)?;
        job.conn.execute(&job.adapter.replace_view_sql(job.node, &tmp, sql))?;
        job.catalog.set(&tmp, Some(RelationKind::View));
        swap::swap_in(&mut job, &tmp, RelationKind::View, &rel)?;
    } else {
        // Replacing a view is atomic: a failure leaves the old one.
        job.conn.execute(&job.adapter.replace_view_sql(job.node, &rel, sql))?;
        job.catalog.set(&rel, Some(RelationKind::View));
    }
    Ok(Outcome {
        message: format!("created view {}", rel.short()),
        rows: None,
    })
}
