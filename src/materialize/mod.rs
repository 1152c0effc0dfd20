//! Materializations: each turns a compiled node into statements run through the adapter.
//! A new materialization is a new file here and one arm in `materialize`.

pub(crate) mod atomic;
pub(crate) mod braze_sync;
pub(crate) mod contract;
pub(crate) mod incremental;
pub(crate) mod publish;
pub(crate) mod seed;
pub(crate) mod snapshot;
pub(crate) mod swap;
pub(crate) mod table;
pub(crate) mod view;

use crate::adapter::{Adapter, Catalog, Connection, RelationKind};
use crate::error::{Error, Result};
use crate::manifest::{Materialization, Node};
use crate::project::Project;
use crate::relation::Relation;

/// Everything a materialization needs for one node.
pub(crate) struct Job<'a> {
    pub node: &'a Node,
    pub relation: &'a Relation,
    pub sql: &'a str,
    pub adapter: &'a dyn Adapter,
    pub conn: &'a mut dyn Connection,
    pub catalog: &'a Catalog,
    pub project: &'a Project,
    /// `is_incremental()` was true when the SQL was compiled.
    pub incremental: bool,
}

/// What a built node reports: `created table analytics.dim_users`, rows loaded for a seed.
pub(crate) struct Outcome {
    pub message: String,
    pub rows: Option<usize>,
}

/// Run the model's SQL into `<name>__mozt_stage`, a table the materialization then reads.
pub(crate) fn stage(job: &mut Job<'_>, rel: &Relation) -> Result<Relation> {
    let stage = rel.with_identifier(format!("{}__mozt_stage", rel.identifier));
    swap::clear(job, &stage)?;
    let sql = job.sql.trim_end().trim_end_matches(';');
    job.conn
        .execute(&format!("create table {stage} as select * from ({sql}\n) as mozt_src"))?;
    job.catalog.set(&stage, Some(RelationKind::Table));
    Ok(stage)
}

/// Drop a staging or temporary table, whatever happened before.
pub(crate) fn discard(job: &mut Job<'_>, rel: &Relation) {
    let _ = job.conn.execute(&format!("drop table if exists {rel}"));
    job.catalog.set(rel, None);
}

/// `select count(*)` of a relation.
pub(crate) fn count_rows(job: &mut Job<'_>, rel: &Relation) -> Result<u64> {
    Ok(job
        .conn
        .query(&format!("select count(*) from {rel}"))?
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0))
}

pub(crate) fn materialize(job: Job<'_>) -> Result<Outcome> {
    match job.node.materialized() {
        Materialization::View => view::build(job),
        Materialization::Table => table::build(job),
        Materialization::Incremental => incremental::build(job),
        Materialization::BrazeSync(kind) => braze_sync::build(kind, job),
        Materialization::Seed => seed::build(job),
        Materialization::Snapshot => snapshot::build(job),
        other @ (Materialization::Ephemeral | Materialization::Test) => Err(Error::runtime(format!(
            "{} {} is {other}: it is not built as a relation",
            job.node.resource_type.as_str(),
            job.node.name
        ))),
    }
}
