//! Materializations: each turns a compiled node into statements run through the adapter.
//! A new materialization is a new file here and one arm in `materialize`.

pub mod atomic;
pub mod braze_sync;
pub mod incremental;
pub mod seed;
pub mod snapshot;
pub mod swap;
pub mod table;
pub mod view;

use crate::adapter::{Adapter, Catalog, Connection, RelationKind};
use crate::error::{Error, Result};
use crate::manifest::Node;
use crate::project::Project;
use crate::relation::Relation;

/// Everything a materialization needs for one node.
pub struct Job<'a> {
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
pub struct Outcome {
    pub message: String,
    pub rows: Option<usize>,
}

/// The materializations a model can have (`seed` is for seeds only). The parse phase rejects
/// any other value with its file and line.
pub const MODEL_MATERIALIZATIONS: &[&str] = &[
    "view",
    "table",
    "incremental",
    "ephemeral",
    "braze_user_sync",
    "braze_event_sync",
    "braze_purchase_sync",
    "braze_user_delete_sync",
    "braze_catalog_sync",
];

/// Run the model's SQL into `<name>__mozt_stage`, a table the materialization then reads.
pub fn stage(job: &mut Job<'_>, rel: &Relation) -> Result<Relation> {
    let stage = rel.with_identifier(format!("{}__mozt_stage", rel.identifier));
    swap::clear(job, &stage)?;
    let sql = job.sql.trim_end().trim_end_matches(';');
    job.conn
        .execute(&format!("create table {stage} as select * from ({sql}\n) as mozt_src"))?;
    job.catalog.set(&stage, Some(RelationKind::Table));
    Ok(stage)
}

/// Drop a staging or temporary table, whatever happened before.
pub fn discard(job: &mut Job<'_>, rel: &Relation) {
    let _ = job.conn.execute(&format!("drop table if exists {rel}"));
    job.catalog.set(rel, None);
}

/// `select count(*)` of a relation.
pub fn count_rows(job: &mut Job<'_>, rel: &Relation) -> Result<u64> {
    Ok(job
        .conn
        .query(&format!("select count(*) from {rel}"))?
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0))
}

pub fn materialize(job: Job<'_>) -> Result<Outcome> {
    match job.node.materialized() {
        "view" => view::build(job),
        "table" => table::build(job),
        "incremental" => incremental::build(job),
        m if braze_sync::MATERIALIZATIONS.contains(&m) => braze_sync::build(job),
        "seed" => seed::build(job),
        "snapshot" => snapshot::build(job),
        other => Err(Error::project(format!(
            "model {} has materialized='{other}', which mozt does not know",
            job.node.name
        ))
        .in_file(&job.node.original_file_path)
        .help("use view, table, incremental or ephemeral")),
    }
}
