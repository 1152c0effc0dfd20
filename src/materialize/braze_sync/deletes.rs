//! `materialized: braze_user_delete_sync`: users for Braze to delete. The model selects only
//! the identifier (`external_id`, `braze_id`, or `alias_name` + `alias_label`). Each run
//! appends `UPDATED_AT` and the identifier of every user not sent before; there is no
//! `PAYLOAD` column (Braze reads a table without one as deletions). The sync table itself
//! records who was sent, so a user is sent once.

use super::Append;
use crate::error::{Error, Result};
use crate::materialize::{Job, Outcome};
use crate::relation::Relation;

const IDENTIFIERS: &[&str] = &["external_id", "braze_id", "alias"];

pub(super) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    let ids = super::identifiers(job.node, IDENTIFIERS)?;
    let stage = crate::materialize::stage(&mut job, &rel)?;
    let result = sync(&mut job, &rel, &stage, ids);
    crate::materialize::discard(&mut job, &stage);
    result
}

fn sync(job: &mut Job<'_>, rel: &Relation, stage: &Relation, ids: &[&str]) -> Result<Outcome> {
    let node = job.node;
    let columns = job.conn.columns(stage)?;
    super::require(node, &columns, ids, "the Braze identifier")?;
    let others = super::other_columns(&columns, ids);
    if !others.is_empty() {
        return Err(Error::project(format!(
            "model {} deletes users and must select only {}; it also selects {}",
            node.name,
            ids.join(", "),
            others.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ")
        ))
        .in_file(&node.original_file_path)
        .help("Braze deletes users by identifier alone: remove the other columns"));
    }
    super::refuse_missing_ids(job, stage, rel, ids)?;
    let out: Vec<String> = ids.iter().map(|c| c.to_ascii_uppercase()).collect();
    let cast = |c: &str| format!("cast(n.{} as varchar)", rel.quote_ident(c));
    let select: Vec<String> = ids
        .iter()
        .zip(&out)
        .map(|(c, o)| format!("{} as {o}", cast(c)))
        .collect();
    let unsent = if super::is_table(job, rel) {
        let same: Vec<String> = ids
            .iter()
            .zip(&out)
            .map(|(c, o)| format!("o.{o} = {}", cast(c)))
            .collect();
        super::not_in(rel, "o", &same)
    } else {
        String::new()
    };
    let select = format!("select distinct {}\nfrom {stage} as n{unsent}", select.join(", "));
    super::with_batch(job, rel, &select, |job, batch| {
        let sent = super::append(
            job,
            Append {
                rel,
                columns: out.iter().map(|o| format!("{o} varchar not null")).collect(),
                values: out.clone(),
                batch,
                state_ddl: vec![],
                state_dml: vec![],
                state_after: vec![],
            },
        )?;
        Ok(super::synced(job, sent, "users to delete", rel, None))
    })
}
