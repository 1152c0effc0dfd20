//! `materialized: table`: replaced in one atomic statement, so a failed build leaves the previous
//! table as it was.

use super::atomic::{self, Unit};
use super::contract;
use super::{Job, Outcome};
use crate::adapter::RelationKind;
use crate::error::Result;

pub(crate) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    let sql = job.sql.trim_end().trim_end_matches(';');
    // The warehouse's own replacing statement (Snowflake: `create or replace transient table ...
    // as`); where DDL is transactional (DuckDB) a plain `create or replace table ... as` is one
    // atomic statement as well. One statement per model, no temporary table to rename. The
    // statement ends on a new line in case the model's SQL ends with a `--` comment.
    let replace = if job.node.settings.publish().contract_enforced {
        contract::table_with_columns(job.adapter, job.node, &rel, sql)
    } else {
        vec![
            job.adapter
                .replace_table_sql(job.node, &rel, sql)
                .unwrap_or_else(|| format!("create or replace table {rel} as {sql}\n")),
        ]
    };
    // A view standing where the table goes is dropped in the same unit.
    let ddl = match job.catalog.kind(&rel) {
        Some(RelationKind::View) => vec![format!("drop view if exists {rel}")],
        _ => vec![],
    };
    if ddl.is_empty() && replace.len() == 1 {
        job.conn.execute(&replace[0])?;
    } else {
        let unit = Unit {
            ddl,
            dml: replace,
            after: vec![],
        };
        atomic::apply(&mut job, unit)?;
    }
    job.catalog.set(&rel, Some(RelationKind::Table));
    Ok(Outcome {
        message: format!("created table {}", rel.short()),
        rows: None,
    })
}
