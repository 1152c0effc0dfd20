//! Build aside, then swap: a relation is built under a temporary name and renamed into place
//! in one transaction, so a failed build never destroys the previous good version.

use std::collections::{HashMap, HashSet};

use super::Job;
use crate::adapter::{Connection, RelationKind};
use crate::error::Result;
use crate::relation::Relation;

/// The suffixes of the relations a build makes and drops again before it ends: only a killed
/// or cancelled run leaves them behind.
const SCRATCH: [&str; 3] = ["__mozt_tmp", "__mozt_stage", "__mozt_changes"];
const BACKUP: &str = "__mozt_backup";

pub(crate) fn temp_relation(r: &Relation) -> Relation {
    r.with_identifier(format!("{}__mozt_tmp", r.identifier))
}

pub(crate) fn backup_relation(r: &Relation) -> Relation {
    r.with_identifier(format!("{}__mozt_backup", r.identifier))
}

fn drop_sql(r: &Relation, kind: RelationKind) -> String {
    match kind {
        RelationKind::Table => format!("drop table if exists {r}"),
        RelationKind::View => format!("drop view if exists {r}"),
    }
}

/// Drop a leftover temporary relation from an earlier failed run, whatever its kind.
pub(crate) fn clear(job: &mut Job<'_>, r: &Relation) -> Result<()> {
    if let Some(kind) = job.catalog.kind(r) {
        job.conn.execute(&drop_sql(r, kind))?;
        job.catalog.set(r, None);
    }
    Ok(())
}

/// Move `built` (of kind `kind`) into `final_rel`'s place, replacing whatever is there.
pub(crate) fn swap_in(job: &mut Job<'_>, built: &Relation, kind: RelationKind, final_rel: &Relation) -> Result<()> {
    let existing = job.catalog.kind(final_rel);
    let backup = backup_relation(final_rel);
    let kw = match kind {
        RelationKind::Table => "table",
        RelationKind::View => "view",
    };
    let mut stmts = vec!["begin transaction".to_string()];
    match existing {
        Some(RelationKind::Table) => {
            stmts.push(format!("drop table if exists {backup}"));
            stmts.push(format!(
                "alter table {final_rel} rename to {}",
                job.adapter.rename_target(&backup)
            ));
        }
        Some(RelationKind::View) => stmts.push(format!("drop view if exists {final_rel}")),
        None => {}
    }
    stmts.push(format!(
        "alter {kw} {built} rename to {}",
        job.adapter.rename_target(final_rel)
    ));
    if existing == Some(RelationKind::Table) {
        stmts.push(format!("drop table if exists {backup}"));
    }
    stmts.push("commit".to_string());
    if let Err(e) = job.conn.execute(&stmts.join(";\n")) {
        let _ = job.conn.execute("rollback");
        return Err(e);
    }
    job.catalog.set(built, None);
    job.catalog.set(final_rel, Some(kind));
    Ok(())
}

/// `(schema, identifier)` in lower case: how a leftover is matched with the relation it was
/// made for, whatever the warehouse reports for the database.
pub(crate) type Owner = (String, String);

pub(crate) fn owner(r: &Relation) -> Owner {
    (r.schema.to_ascii_lowercase(), r.identifier.to_ascii_lowercase())
}

/// The relations of `found` a killed or cancelled build of one of `owners` left behind:
/// temporary and staging tables, and a backup whose relation is back in place (a backup alone
/// is the previous version of its relation and is kept). Only the run's own relations count,
/// so a run never drops what another run, building other models, is working with.
pub(crate) fn leftovers(
    found: &HashMap<Relation, RelationKind>,
    owners: &HashSet<Owner>,
) -> Vec<(Relation, RelationKind)> {
    let base_of = |r: &Relation| -> Option<(Relation, bool)> {
        let id = r.identifier.to_ascii_lowercase();
        let suffix = SCRATCH.iter().chain([&BACKUP]).find(|s| id.ends_with(**s))?;
        let base = r.with_identifier(&r.identifier[..r.identifier.len() - suffix.len()]);
        Some((base, *suffix == BACKUP))
    };
    let mut out: Vec<(Relation, RelationKind)> = found
        .iter()
        .filter(|(r, _)| match base_of(r) {
            Some((base, backup)) => owners.contains(&owner(&base)) && (!backup || found.contains_key(&base)),
            None => false,
        })
        .map(|(r, k)| (r.clone(), *k))
        .collect();
    out.sort_by_key(|(r, _)| r.to_string());
    out
}

/// Drop what `leftovers` finds in `found` and forget it there; the relations dropped.
pub(crate) fn drop_leftovers(
    conn: &mut dyn Connection,
    found: &mut HashMap<Relation, RelationKind>,
    owners: &HashSet<Owner>,
) -> Result<Vec<Relation>> {
    let mut dropped = vec![];
    for (r, kind) in leftovers(found, owners) {
        conn.execute(&drop_sql(&r, kind))?;
        found.remove(&r);
        dropped.push(r);
    }
    Ok(dropped)
}
