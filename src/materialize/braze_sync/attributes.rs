//! `materialized: braze_user_sync`: user attributes. The model selects one row per user: an
//! identifier column and attribute columns. Each run appends one row per user whose
//! attributes changed since the last run: `UPDATED_AT`, the identifier, and `PAYLOAD` (a JSON
//! object of only the changed attributes; attributes that became NULL are sent as null, which
//! removes them in Braze). What was sent is kept in `<table>__mozt_braze_state`.

use super::{Append, Columns, Member};
use crate::error::{Error, Result};
use crate::materialize::{Job, Outcome};
use crate::relation::Relation;

const IDENTIFIERS: &[&str] = &["external_id", "braze_id", "email", "phone", "alias"];

pub(super) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    let ids = super::identifiers(job.node, IDENTIFIERS)?;
    let state = crate::manifest::materialization::braze_state_table(&rel);
    let stage = crate::materialize::stage(&mut job, &rel)?;
    let result = sync(&mut job, &rel, &stage, &state, ids);
    crate::materialize::discard(&mut job, &stage);
    result
}

/// The changed fields of each row of `n` against what was sent before (`o`, the state): the
/// JSON object of the changed ones and how many changed, as SQL. `old_columns` are the
/// state's columns (none before the first run: every non-null field counts as changed).
pub(super) fn diff(job: &Job<'_>, rel: &Relation, fields: &Columns, old_columns: &Columns) -> (String, String) {
    let sql = job.adapter.sql();
    let mut members = vec![];
    let mut counts = vec![];
    for (c, ty) in fields {
        let q = rel.quote_ident(c);
        let old = if super::find(old_columns, c).is_some() {
            format!("o.{q}")
        } else {
            "null".to_string()
        };
        let changed = format!("(n.{q} is distinct from {old})");
        members.push(Member {
            key: sql.column_name_as_written(c),
            json: super::json_value(sql, &format!("n.{q}"), ty),
            when: Some(changed.clone()),
        });
        counts.push(format!("case when {changed} then 1 else 0 end"));
    }
    (super::json_object(sql, &members), counts.join(" + "))
}

/// The state and how to join it to the model's rows (`n`) as `o`: a left join on `on`, or on
/// nothing before the first run.
pub(super) fn state_join(job: &mut Job<'_>, stage: &Relation, state: &Relation, on: &str) -> Result<(String, Columns)> {
    if super::is_table(job, state) {
        let old = job.conn.columns(state)?;
        Ok((format!("{stage} as n left join {state} as o on {on}"), old))
    } else {
        Ok((
            format!("{stage} as n left join (select 1 as mozt_none) as o on false"),
            vec![],
        ))
    }
}

fn sync(job: &mut Job<'_>, rel: &Relation, stage: &Relation, state: &Relation, ids: &[&str]) -> Result<Outcome> {
    let node = job.node;
    let columns = job.conn.columns(stage)?;
    super::require(node, &columns, ids, "the Braze identifier")?;
    let attrs = super::other_columns(&columns, ids);
    if attrs.is_empty() {
        return Err(Error::project(format!(
            "model {} selects no attribute columns to send to Braze",
            node.name
        ))
        .in_file(&node.original_file_path));
    }
    let id_cols: Vec<String> = ids.iter().map(|c| rel.quote_ident(c)).collect();
    let n_ids: Vec<String> = id_cols.iter().map(|c| format!("n.{c}")).collect();
    let on: Vec<String> = id_cols.iter().map(|c| format!("n.{c} = o.{c}")).collect();

    // Duplicated or missing identifiers would send ambiguous updates: refuse them.
    super::refuse_missing_ids(job, stage, rel, ids)?;
    super::refuse_duplicates(job, stage, rel, ids, "the model must have one row per user")?;

    let (from, old_columns) = state_join(job, stage, state, &on.join(" and "))?;
    let (object, count) = diff(job, rel, &attrs, &old_columns);
    let select = format!(
        "select {}, {object} as payload, {count} as mozt_changed\nfrom {from}\nwhere {count} > 0",
        n_ids.join(", ")
    );
    super::with_batch(job, rel, &select, |job, changes| {
        super::check_size(job, changes, &super::label(ids, rel, "n"), true)?;
        let (columns, values) = super::payload_columns(ids, rel);
        let sent = super::append(
            job,
            Append {
                rel,
                columns,
                values,
                batch: changes,
                state_ddl: vec![],
                state_dml: vec![],
                // The state moves with the rows sent: it is the model's rows of this run.
                state_after: super::replace_state(state, stage),
            },
        )?;
        Ok(super::synced(job, sent, "changed users", rel, Some(state)))
    })
}
