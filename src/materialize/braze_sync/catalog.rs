//! `materialized: braze_catalog_sync`: a Braze catalog. The model selects one row per item:
//! `id` and field columns. Each run appends `UPDATED_AT`, `ID`, `PAYLOAD` (the item's changed
//! fields, as for user attributes) and `DELETED` for every item that changed, and `DELETED =
//! true` (with `PAYLOAD` `{}`) for every item no longer in the model. What was sent is kept in
//! `<table>__mozt_braze_state`.

use super::Append;
use crate::error::{Error, Result};
use crate::materialize::{Job, Outcome};
use crate::relation::Relation;

/// Braze's longest catalog item id.
const MAX_ID_CHARS: usize = 250;

pub(super) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    let state = crate::manifest::materialization::braze_state_table(&rel);
    let stage = crate::materialize::stage(&mut job, &rel)?;
    let result = sync(&mut job, &rel, &stage, &state);
    crate::materialize::discard(&mut job, &stage);
    result
}

fn sync(job: &mut Job<'_>, rel: &Relation, stage: &Relation, state: &Relation) -> Result<Outcome> {
    let node = job.node;
    let columns = job.conn.columns(stage)?;
    super::require(node, &columns, &["id"], "the catalog item id")?;
    let id_name = super::find(&columns, "id")
        .map(|(c, _)| c.clone())
        .unwrap_or_else(|| "id".into());
    let fields = super::other_columns(&columns, &["id"]);
    if fields.is_empty() {
        return Err(Error::project(format!(
            "model {} selects no catalog fields to send to Braze (only id)",
            node.name
        ))
        .in_file(&node.original_file_path));
    }
    let id = rel.quote_ident(&id_name);
    let rules = vec![
        (format!("n.{id} is null"), "id is null".to_string()),
        (
            format!("length(cast(n.{id} as varchar)) > {MAX_ID_CHARS}"),
            format!("id is longer than {MAX_ID_CHARS} characters"),
        ),
    ];
    super::refuse_rows(job, stage, &format!("n.{id}"), &rules)?;
    super::refuse_duplicates(
        job,
        stage,
        rel,
        &[id_name.as_str()],
        "the model must have one row per item",
    )?;

    let (from, old_columns) = super::attributes::state_join(job, stage, state, &format!("n.{id} = o.{id}"))?;
    let (object, count) = super::attributes::diff(job, rel, &fields, &old_columns);
    let removed = if old_columns.is_empty() {
        String::new()
    } else {
        let gone = super::not_in(stage, "n", &[format!("n.{id} = o.{id}")]);
        format!("\nunion all\nselect cast(o.{id} as varchar), '{{}}', 0, true from {state} as o{gone}")
    };
    let select = format!(
        "select cast(n.{id} as varchar) as ID, {object} as payload, {count} as mozt_changed, false as DELETED\n\
         from {from}\nwhere {count} > 0{removed}"
    );
    super::with_batch(job, rel, &select, |job, batch| {
        super::check_size(job, batch, "n.ID", false)?;
        let sent = super::append(
            job,
            Append {
                rel,
                columns: vec![
                    "ID varchar not null".into(),
                    "PAYLOAD varchar not null".into(),
                    "DELETED boolean not null".into(),
                ],
                values: vec!["ID".into(), "payload".into(), "DELETED".into()],
                batch,
                state_ddl: vec![],
                state_dml: vec![],
                state_after: super::replace_state(state, stage),
            },
        )?;
        Ok(super::synced(job, sent, "changed catalog items", rel, Some(state)))
    })
}
