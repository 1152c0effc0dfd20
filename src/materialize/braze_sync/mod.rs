//! Tables Braze Cloud Data Ingestion (CDI) reads, one materialization per kind of data:
//!
//! | materialized | rows appended each run |
//! |---|---|
//! | `braze_user_sync` | one per user whose attributes changed (`attributes.rs`) |
//! | `braze_event_sync` | one per custom event not sent before (`events.rs`) |
//! | `braze_purchase_sync` | one per purchase not sent before (`purchases.rs`) |
//! | `braze_user_delete_sync` | one per user to delete, sent once (`deletes.rs`) |
//! | `braze_catalog_sync` | one per changed or removed catalog item (`catalog.rs`) |
//!
//! Every row of a run carries the same `UPDATED_AT` (UTC, later than the previous run's, never
//! in the future). The JSON payloads are built in SQL in the warehouse. This file holds what
//! they share: identifiers, row checks, JSON building, the size limits, the run timestamp.

mod append;
mod attributes;
mod catalog;
mod deletes;
mod events;
mod purchases;

use serde_json::Value;
use std::time::Duration;

use super::{Job, Outcome, atomic, swap};
use crate::adapter::{RelationKind, SqlDialect};
use crate::error::{Error, Result};
use crate::manifest::{BrazeSync, Node};
use crate::relation::Relation;

/// Braze's limits per row.
pub(crate) const MAX_ATTRIBUTES: usize = 250;
pub(crate) const MAX_PAYLOAD_BYTES: usize = 1_000_000;

pub(crate) fn build(kind: BrazeSync, job: Job<'_>) -> Result<Outcome> {
    match kind {
        BrazeSync::User => attributes::build(job),
        BrazeSync::Event => events::build(job),
        BrazeSync::Purchase => purchases::build(job),
        BrazeSync::UserDelete => deletes::build(job),
        BrazeSync::Catalog => catalog::build(job),
    }
}

/// A model's columns as the warehouse reports them, with their types.
pub(super) type Columns = Vec<(String, String)>;

/// The identifier columns a row carries, by the `braze_identifier` config (`external_id` by
/// default), among those `allowed` for this kind of sync.
pub(super) fn identifiers(node: &Node, allowed: &[&str]) -> Result<&'static [&'static str]> {
    let identifier = &node.settings.build().braze_identifier;
    let ids = identifier.columns();
    let kind = identifier.as_str();
    if ids.is_empty() || !allowed.contains(&kind) {
        return Err(Error::project(format!(
            "braze_identifier '{kind}' of model {} is not one of {}",
            node.name,
            allowed.join(", ")
        ))
        .in_file(&node.original_file_path));
    }
    Ok(ids)
}

/// The column named `name` (case-insensitively), as the warehouse spells it.
pub(super) fn find<'c>(columns: &'c Columns, name: &str) -> Option<&'c (String, String)> {
    columns.iter().find(|(c, _)| c.eq_ignore_ascii_case(name))
}

/// Fail unless the model selects every column in `needed`.
pub(super) fn require(node: &Node, columns: &Columns, needed: &[&str], what: &str) -> Result<()> {
    for name in needed {
        if find(columns, name).is_none() {
            return Err(Error::project(format!(
                "model {} must select the column '{name}' ({what}); its columns: {}",
                node.name,
                columns.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ")
            ))
            .in_file(&node.original_file_path)
            .help("select it (alias a column if it has another name), or change the model's braze_identifier"));
        }
    }
    Ok(())
}

/// The columns not in `taken` (identifiers, reserved fields, keys), in the model's order.
pub(super) fn other_columns(columns: &Columns, taken: &[&str]) -> Columns {
    columns
        .iter()
        .filter(|(c, _)| !taken.iter().any(|t| c.eq_ignore_ascii_case(t)))
        .cloned()
        .collect()
}

/// Refuse the run when a row of the model breaks a rule: `rules` are (SQL condition on the
/// row `n`, what is wrong). The error names up to five rows by `label` (a SQL expression).
pub(super) fn refuse_rows(job: &mut Job<'_>, stage: &Relation, label: &str, rules: &[(String, String)]) -> Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    let whens: Vec<String> = rules
        .iter()
        .map(|(cond, what)| format!("when {cond} then {}", job.adapter.sql().string_literal(what)))
        .collect();
    let any: Vec<String> = rules.iter().map(|(cond, _)| format!("({cond})")).collect();
    let bad = offending_rows(
        job,
        &format!(
            "select cast({label} as varchar), case {} end from {stage} as n where {} limit 5",
            whens.join(" "),
            any.join(" or ")
        ),
    )?;
    if bad.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = bad.iter().map(|(id, why, _)| format!("{id}: {why}")).collect();
    Err(Error::runtime(format!(
        "model {}: rows Braze would reject, nothing sent: {}",
        job.node.name,
        rows.join("; ")
    ))
    .help("fix or filter these rows in the model"))
}

/// Refuse the run when rows share the same `key` columns (naming up to five keys).
pub(super) fn refuse_duplicates(
    job: &mut Job<'_>,
    stage: &Relation,
    rel: &Relation,
    key: &[&str],
    what: &str,
) -> Result<()> {
    let cols: Vec<String> = key.iter().map(|c| format!("n.{}", rel.quote_ident(c))).collect();
    let dupes = offending_rows(
        job,
        &format!(
            "select {}, count(*) from {stage} as n group by {} having count(*) > 1 limit 5",
            label(key, rel, "n"),
            cols.join(", ")
        ),
    )?;
    if dupes.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = dupes.iter().map(|(id, n, _)| format!("{id} ({n} rows)")).collect();
    Err(Error::runtime(format!(
        "model {}: {what}; {} repeated: {}",
        job.node.name,
        key.join(" + "),
        rows.join(", ")
    ))
    .help("deduplicate the model's rows"))
}

/// A SQL label naming a row by its identifiers: `u1`, or `name/label` for aliases.
pub(super) fn label(ids: &[&str], rel: &Relation, alias: &str) -> String {
    let parts: Vec<String> = ids
        .iter()
        .map(|c| format!("coalesce(cast({alias}.{} as varchar), 'NULL')", rel.quote_ident(c)))
        .collect();
    parts.join(" || ' / ' || ")
}

/// Rules every row with Braze identifiers follows: they are all present.
pub(super) fn identifier_rules(ids: &[&str], rel: &Relation) -> Vec<(String, String)> {
    ids.iter()
        .map(|c| (format!("n.{} is null", rel.quote_ident(c)), format!("{c} is null")))
        .collect()
}

/// A column as JSON text: numbers, booleans, arrays as themselves, timestamps as ISO 8601,
/// NULL as `null`.
pub(super) fn json_value(sql: &dyn SqlDialect, expr: &str, ty: &str) -> String {
    let t = ty.to_ascii_uppercase();
    if t.starts_with("TIMESTAMP") || t == "DATETIME" {
        sql.json_text(&sql.iso_timestamp(expr))
    } else if t == "DATE" {
        sql.json_text(&sql.iso_date(expr))
    } else {
        sql.json_text(expr)
    }
}

/// One member of a JSON object built in SQL: its key, its value as JSON text, and when it is
/// present (None: always).
pub(super) struct Member {
    pub key: String,
    pub json: String,
    pub when: Option<String>,
}

/// A JSON object as a SQL string expression. Each present member becomes `,"key":value`,
/// absent ones nothing, and the leading comma goes (`{}` when none is present).
pub(super) fn json_object(sql: &dyn SqlDialect, members: &[Member]) -> String {
    if members.is_empty() {
        return "'{}'".to_string();
    }
    let parts: Vec<String> = members
        .iter()
        .map(|m| {
            let key = serde_json::to_string(&m.key).unwrap_or_else(|_| format!("\"{}\"", m.key));
            let item = format!("{} || {}", sql.string_literal(&format!("{key}:")), m.json);
            match &m.when {
                Some(cond) => format!("coalesce(',' || case when {cond} then {item} end, '')"),
                None => format!("',' || {item}"),
            }
        })
        .collect();
    format!("'{{' || substr({}, 2) || '}}'", parts.join("\n    || "))
}

/// Refuse a batch with rows over Braze's limits (1 MB, and `max_fields` when the batch counts
/// them in `mozt_changed`), naming them by `label` (SQL over the batch). Nothing is sent.
pub(super) fn check_size(job: &mut Job<'_>, changes: &Relation, label: &str, count_fields: bool) -> Result<()> {
    let fields = if count_fields { "mozt_changed" } else { "0" };
    let too_big = offending_rows(
        job,
        &format!(
            "select cast({label} as varchar), {fields}, length(payload) from {changes} as n \
             where {fields} > {MAX_ATTRIBUTES} or length(payload) > {MAX_PAYLOAD_BYTES} limit 5"
        ),
    )?;
    if too_big.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = too_big
        .iter()
        .map(|(name, attributes, bytes)| match count_fields {
            true => format!("{name} ({attributes} attributes, {bytes} bytes)"),
            false => format!("{name} ({bytes} bytes)"),
        })
        .collect();
    let limits = if count_fields {
        format!("{MAX_ATTRIBUTES} attributes, {MAX_PAYLOAD_BYTES} bytes per row")
    } else {
        format!("{MAX_PAYLOAD_BYTES} bytes per row")
    };
    Err(Error::runtime(format!(
        "model {}: rows over Braze's limits ({limits}): {}",
        job.node.name,
        rows.join(", ")
    ))
    .help("send less per row, or split it across sync models"))
}

/// Appending one run's rows to the sync table, with the state that records them.
pub(super) struct Append<'a> {
    pub rel: &'a Relation,
    /// The sync table's columns after UPDATED_AT, as DDL (`EXTERNAL_ID varchar`).
    pub columns: Vec<String>,
    /// What fills those columns, in order: SQL over the batch table.
    pub values: Vec<String>,
    /// The batch of rows to send (a table).
    pub batch: &'a Relation,
    /// Statements creating the state table when it is missing.
    pub state_ddl: Vec<String>,
    /// Statements recording the batch in the state, atomically with the rows sent.
    pub state_dml: Vec<String>,
    /// Statements replacing the state right after (DDL, outside the transaction on Snowflake).
    pub state_after: Vec<String>,
}

/// The sync table's columns after UPDATED_AT for rows with a payload: the identifiers and
/// `PAYLOAD`, as DDL, and what fills them from the batch.
pub(super) fn payload_columns(ids: &[&str], rel: &Relation) -> (Vec<String>, Vec<String>) {
    let mut columns: Vec<String> = ids
        .iter()
        .map(|c| format!("{} varchar", c.to_ascii_uppercase()))
        .collect();
    columns.push("PAYLOAD varchar not null".into());
    let mut values: Vec<String> = ids
        .iter()
        .map(|c| format!("cast({} as varchar)", rel.quote_ident(c)))
        .collect();
    values.push("payload".into());
    (columns, values)
}

/// Stamp the batch with the run timestamp and append it, atomically with the state's DML.
/// Where DDL cannot join the transaction (Snowflake), `state_after` runs right after: if it
/// fails, the next run sends the same changes again, which Braze applies idempotently.
pub(super) fn append(job: &mut Job<'_>, a: Append<'_>) -> Result<u64> {
    let run_ts = run_timestamp(job, a.rel)?;
    let names: Vec<&str> = a
        .columns
        .iter()
        .map(|c| c.split_whitespace().next().unwrap_or(c))
        .collect();
    let mut ddl = a.state_ddl;
    if job.catalog.kind(a.rel) != Some(RelationKind::Table) {
        ddl.insert(
            0,
            format!(
                "create table {} (UPDATED_AT timestamp not null, {})",
                a.rel,
                a.columns.join(", ")
            ),
        );
    }
    let mut dml = vec![format!(
        "insert into {} (UPDATED_AT, {})\nselect cast('{run_ts}' as timestamp), {} from {}",
        a.rel,
        names.join(", "),
        a.values.join(", "),
        a.batch
    )];
    dml.extend(a.state_dml);
    atomic::apply(
        job,
        atomic::Unit {
            ddl,
            dml,
            after: a.state_after,
        },
    )?;
    job.catalog.set(a.rel, Some(RelationKind::Table));
    super::count_rows(job, a.batch)
}

/// One timestamp for the run: now (UTC, milliseconds), and strictly after the last run's, so
/// Braze, which reads rows newer than the last UPDATED_AT it saw, never misses this batch.
fn run_timestamp(job: &mut Job<'_>, rel: &Relation) -> Result<String> {
    let fmt = "%Y-%m-%d %H:%M:%S%.3f";
    let last = if job.catalog.kind(rel) == Some(RelationKind::Table) {
        let rows = job
            .conn
            .query(&format!("select cast(max(UPDATED_AT) as varchar) from {rel}"))?;
        rows.rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_str)
            .and_then(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok())
    } else {
        None
    };
    let mut now = chrono::Utc::now().naive_utc();
    if let Some(last) = last
        && now <= last
    {
        let wait = (last - now).to_std().unwrap_or_default() + Duration::from_millis(2);
        if wait > Duration::from_secs(5) {
            return Err(Error::runtime(format!(
                "the last Braze sync batch in {} is stamped {last}, later than now ({now}): the clock went back",
                rel.short()
            ))
            .help("fix the clock; a row stamped in the future blocks Braze from reading anything before it"));
        }
        std::thread::sleep(wait);
        now = chrono::Utc::now().naive_utc();
    }
    Ok(now.format(fmt).to_string())
}

/// Create the run's batch (`<table>__mozt_changes`) from `select`, hand it to `send`, and drop
/// it whatever happened.
pub(super) fn with_batch<'a>(
    job: &mut Job<'a>,
    rel: &Relation,
    select: &str,
    send: impl FnOnce(&mut Job<'a>, &Relation) -> Result<Outcome>,
) -> Result<Outcome> {
    let batch = beside(rel, "changes");
    swap::clear(job, &batch)?;
    job.conn.execute(&format!("create table {batch} as\n{select}"))?;
    job.catalog.set(&batch, Some(RelationKind::Table));
    let result = send(job, &batch);
    super::discard(job, &batch);
    result
}

/// `where not exists` a row of `table` (as `alias`) meeting all `conditions`.
pub(super) fn not_in(table: &Relation, alias: &str, conditions: &[String]) -> String {
    format!(
        "\nwhere not exists (select 1 from {table} as {alias} where {})",
        conditions.join(" and ")
    )
}

/// Statements replacing the state with this run's model rows.
pub(super) fn replace_state(state: &Relation, stage: &Relation) -> Vec<String> {
    vec![
        format!("drop table if exists {state}"),
        format!("create table {state} as select * from {stage}"),
    ]
}

/// What a sync reports: `synced 3 new events to analytics.x for Braze`.
pub(super) fn synced(job: &Job<'_>, sent: u64, what: &str, rel: &Relation, state: Option<&Relation>) -> Outcome {
    if let Some(state) = state {
        job.catalog.set(state, Some(RelationKind::Table));
    }
    Outcome {
        message: format!("synced {sent} {what} to {} for Braze", rel.short()),
        rows: Some(sent as usize),
    }
}

/// Refuse rows whose identifier is missing, naming them.
pub(super) fn refuse_missing_ids(job: &mut Job<'_>, stage: &Relation, rel: &Relation, ids: &[&str]) -> Result<()> {
    refuse_rows(job, stage, &label(ids, rel, "n"), &identifier_rules(ids, rel))
}

/// A table next to the sync table: `<table>__mozt_<suffix>`.
pub(super) fn beside(rel: &Relation, suffix: &str) -> Relation {
    rel.with_identifier(format!("{}__mozt_{suffix}", rel.identifier))
}

/// Whether a relation is a table now.
pub(super) fn is_table(job: &Job<'_>, rel: &Relation) -> bool {
    job.catalog.kind(rel) == Some(RelationKind::Table)
}

/// The rows a check query finds (at most five), each as its first three cells in text: what
/// identifies the row, then what is wrong with it. None found: the check passes.
fn offending_rows(job: &mut Job<'_>, sql: &str) -> Result<Vec<(String, String, String)>> {
    let found = job.conn.query(sql)?;
    let text = |r: &Vec<Value>, i: usize| r.get(i).map(cell).unwrap_or_default();
    Ok(found
        .rows
        .iter()
        .map(|r| (text(r, 0), text(r, 1), text(r, 2)))
        .collect())
}

pub(super) fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".into(),
        other => other.to_string(),
    }
}
