//! `materialized: braze_user_sync`: a table Braze Cloud Data Ingestion reads to update user
//! profiles. The model selects one row per user: an identifier column and attribute columns.
//! Each run appends one row per user whose attributes changed since the last run, with
//! `UPDATED_AT` (one UTC timestamp for the whole run, later than any before and never in the
//! future), the identifier, and `PAYLOAD` (a JSON object of only the changed attributes;
//! attributes that became NULL are sent as null, which removes them in Braze). What was sent
//! is kept in `<table>__mozt_braze_state`. The JSON is built in the warehouse.

use serde_json::Value;
use std::time::Duration;

use super::{Job, Outcome, atomic, swap};
use crate::adapter::RelationKind;
use crate::error::{Error, Result};
use crate::relation::Relation;

/// Braze's limits per row.
pub const MAX_ATTRIBUTES: usize = 250;
pub const MAX_PAYLOAD_BYTES: usize = 1_000_000;

/// The identifier columns a row carries, by `braze_identifier` config.
fn identifiers(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "external_id" => &["external_id"],
        "braze_id" => &["braze_id"],
        "email" => &["email"],
        "phone" => &["phone"],
        "alias" | "user_alias" => &["alias_name", "alias_label"],
        _ => return None,
    })
}

pub fn build(mut job: Job<'_>) -> Result<Outcome> {
    let node = job.node;
    let rel = job.relation.clone();
    let kind = node.config_str("braze_identifier").unwrap_or("external_id");
    let Some(ids) = identifiers(kind) else {
        return Err(Error::project(format!(
            "braze_identifier '{kind}' of model {} is not one of external_id, braze_id, email, phone, alias",
            node.name
        ))
        .in_file(&node.original_file_path));
    };
    let state = rel.with_identifier(format!("{}__mozt_braze_state", rel.identifier));
    let stage = super::stage(&mut job, &rel)?;
    let result = sync(&mut job, &rel, &stage, &state, ids);
    super::discard(&mut job, &stage);
    result
}

fn sync(job: &mut Job<'_>, rel: &Relation, stage: &Relation, state: &Relation, ids: &[&str]) -> Result<Outcome> {
    let node = job.node;
    let snowflake = job.adapter.kind() == "snowflake";
    let columns = job.conn.columns(stage)?;
    for id in ids {
        if !columns.iter().any(|(c, _)| c.eq_ignore_ascii_case(id)) {
            return Err(Error::project(format!(
                "model {} must select the identifier column '{id}' for Braze (columns: {})",
                node.name,
                columns.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ")
            ))
            .in_file(&node.original_file_path)
            .help("select it, or set braze_identifier to the identifier the model has"));
        }
    }
    let attrs: Vec<(String, String)> = columns
        .iter()
        .filter(|(c, _)| !ids.iter().any(|i| c.eq_ignore_ascii_case(i)))
        .cloned()
        .collect();
    let id_cols: Vec<String> = ids.iter().map(|c| rel.quote_ident(c)).collect();
    let on: Vec<String> = id_cols.iter().map(|c| format!("n.{c} = o.{c}")).collect();
    let ids_null: Vec<String> = id_cols.iter().map(|c| format!("n.{c} is null")).collect();

    // Duplicated or missing identifiers would send ambiguous updates: refuse them.
    let dupes = job.conn.query(&format!(
        "select {ids}, count(*) from {stage} as n group by {ids} having count(*) > 1 or {nulls} limit 5",
        ids = id_cols.iter().map(|c| format!("n.{c}")).collect::<Vec<_>>().join(", "),
        nulls = ids_null.join(" or "),
    ))?;
    if let Some(row) = dupes.rows.first() {
        return Err(Error::runtime(format!(
            "model {} must have one row per user with a non-null {}; found {} ({} rows)",
            node.name,
            ids.join(" + "),
            row[..ids.len()].iter().map(cell).collect::<Vec<_>>().join(" / "),
            row.last().map(cell).unwrap_or_default()
        )));
    }

    let state_exists = job.catalog.kind(state) == Some(RelationKind::Table);
    let old_columns = if state_exists { job.conn.columns(state)? } else { vec![] };
    let mut pieces = vec![];
    let mut changed_counts = vec![];
    for (c, ty) in &attrs {
        let q = rel.quote_ident(c);
        let old = if old_columns.iter().any(|(o, _)| o.eq_ignore_ascii_case(c)) {
            format!("o.{q}")
        } else {
            "null".to_string()
        };
        let changed = format!("(n.{q} is distinct from {old})");
        let key = serde_json::to_string(c).unwrap_or_else(|_| format!("\"{c}\""));
        pieces.push(format!(
            "case when {changed} then '{}:' || {} end",
            key.replace('\'', "''"),
            json_value(&format!("n.{q}"), ty, snowflake)
        ));
        changed_counts.push(format!("case when {changed} then 1 else 0 end"));
    }
    if attrs.is_empty() {
        return Err(Error::project(format!(
            "model {} selects no attribute columns to send to Braze",
            node.name
        ))
        .in_file(&node.original_file_path));
    }
    // Each changed attribute is `,"key":value`; unchanged ones are empty; the first comma goes.
    let joined: Vec<String> = pieces.iter().map(|p| format!("coalesce(',' || {p}, '')")).collect();
    let object = format!("'{{' || substr({}, 2) || '}}'", joined.join("\n    || "));
    let from = if state_exists {
        format!("{stage} as n left join {state} as o on {}", on.join(" and "))
    } else {
        // No state yet: compare with nothing, so every non-null attribute is sent.
        format!("{stage} as n left join (select 1 as mozt_none) as o on false")
    };
    let changes = rel.with_identifier(format!("{}__mozt_changes", rel.identifier));
    swap::clear(job, &changes)?;
    job.conn.execute(&format!(
        "create table {changes} as\nselect {ids}, {object} as payload, {count} as mozt_changed\nfrom {from}\n\
         where {count} > 0",
        ids = id_cols.iter().map(|c| format!("n.{c}")).collect::<Vec<_>>().join(", "),
        count = changed_counts.join(" + "),
    ))?;
    job.catalog.set(&changes, Some(RelationKind::Table));
    let result = write(job, rel, stage, state, &changes, &id_cols, ids);
    super::discard(job, &changes);
    result
}

fn write(
    job: &mut Job<'_>,
    rel: &Relation,
    stage: &Relation,
    state: &Relation,
    changes: &Relation,
    id_cols: &[String],
    ids: &[&str],
) -> Result<Outcome> {
    let node = job.node;
    // Braze's limits: at most 250 attributes and 1 MB per row. Name the users, send nothing.
    let too_big = job.conn.query(&format!(
        "select {}, mozt_changed, length(payload) from {changes} \
         where mozt_changed > {MAX_ATTRIBUTES} or length(payload) > {MAX_PAYLOAD_BYTES} limit 5",
        id_cols.join(", ")
    ))?;
    if !too_big.rows.is_empty() {
        let users: Vec<String> = too_big
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{} ({} attributes, {} bytes)",
                    r[..ids.len()].iter().map(cell).collect::<Vec<_>>().join(" / "),
                    cell(&r[ids.len()]),
                    cell(&r[ids.len() + 1])
                )
            })
            .collect();
        return Err(Error::runtime(format!(
            "model {}: rows over Braze's limits ({MAX_ATTRIBUTES} attributes, {MAX_PAYLOAD_BYTES} bytes per row): {}",
            node.name,
            users.join(", ")
        ))
        .help("send fewer attributes per user, or split them across sync models"));
    }
    let run_ts = run_timestamp(job, rel)?;
    let out_cols: Vec<String> = ids.iter().map(|c| c.to_ascii_uppercase()).collect();
    let mut ddl = vec![];
    if job.catalog.kind(rel) != Some(RelationKind::Table) {
        let defs: Vec<String> = out_cols.iter().map(|c| format!("{c} varchar")).collect();
        ddl.push(format!(
            "create table {rel} (UPDATED_AT timestamp not null, {}, PAYLOAD varchar not null)",
            defs.join(", ")
        ));
    }
    let insert = format!(
        "insert into {rel} (UPDATED_AT, {}, PAYLOAD)\nselect cast('{run_ts}' as timestamp), {}, payload from {changes}",
        out_cols.join(", "),
        id_cols
            .iter()
            .map(|c| format!("cast({c} as varchar)"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // The state moves with the rows sent. Where DDL cannot join the transaction (Snowflake) it
    // is replaced right after: if that fails, the next run sends the same changes again, which
    // Braze applies idempotently; no change is ever lost.
    let after = vec![
        format!("drop table if exists {state}"),
        format!("create table {state} as select * from {stage}"),
    ];
    atomic::apply(
        job,
        atomic::Unit {
            ddl,
            dml: vec![insert],
            after,
        },
    )?;
    job.catalog.set(rel, Some(RelationKind::Table));
    job.catalog.set(state, Some(RelationKind::Table));
    let sent = super::count_rows(job, changes)?;
    Ok(Outcome {
        message: format!("synced {sent} changed users to {} for Braze", rel.short()),
        rows: Some(sent as usize),
    })
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

/// A column as JSON text: numbers, booleans, arrays as themselves, timestamps as ISO 8601.
fn json_value(expr: &str, ty: &str, snowflake: bool) -> String {
    let t = ty.to_ascii_uppercase();
    let is_ts = t.starts_with("TIMESTAMP") || t == "DATETIME";
    if snowflake {
        let v = if is_ts {
            format!("to_variant(to_varchar({expr}, 'YYYY-MM-DD\"T\"HH24:MI:SS.FF3\"Z\"'))")
        } else if t == "DATE" {
            format!("to_variant(to_varchar({expr}, 'YYYY-MM-DD'))")
        } else {
            format!("to_variant({expr})")
        };
        format!("coalesce(to_json({v}), 'null')")
    } else {
        let v = if is_ts {
            format!("strftime({expr}, '%Y-%m-%dT%H:%M:%S.%gZ')")
        } else if t == "DATE" {
            format!("strftime({expr}, '%Y-%m-%d')")
        } else {
            expr.to_string()
        };
        format!("coalesce(cast(to_json({v}) as varchar), 'null')")
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".into(),
        other => other.to_string(),
    }
}
