//! Build aside, then swap: a relation is built under a temporary name and renamed into place
//! in one transaction, so a failed build never destroys the previous good version.

use super::Job;
use crate::adapter::RelationKind;
use crate::error::Result;
use crate::relation::Relation;

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
