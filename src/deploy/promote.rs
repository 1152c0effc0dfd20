//! Promotion: once everything built and passed in the staging schemas, put it in place.
//!
//! Tables (models, seeds, snapshots, incremental models, Braze syncs and their state) are
//! copied over their target relation with one statement each (`create or replace table ... as
//! select` on DuckDB; on Snowflake a zero-copy `create or replace table ... clone`). Views are
//! re-created in the target schema from SQL compiled with the target's names, so that they
//! never point at a staging schema. On DuckDB every statement runs in one transaction: readers
//! see the old relations or all the new ones. Snowflake commits each DDL statement by itself,
//! so there each relation changes atomically, tables first and then views in dependency order,
//! right after one another.

use std::collections::{HashMap, HashSet};

use super::{Staged, companions, target_schemas};
use crate::adapter::Catalog;
use crate::adapter::{Adapter, Connection, RelationKind};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, Materialization};

/// The statements that promote `staged`, in the order they must run. `view_sql` holds each
/// staged view's SQL compiled with the target's names; `staging` and `target` what the
/// warehouse holds in the staging and target schemas.
pub(crate) fn statements(
    adapter: &dyn Adapter,
    manifest: &Manifest,
    staged: &[Staged],
    view_sql: &HashMap<usize, String>,
    staging: &Catalog,
    target: &Catalog,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = target_schemas(staged)
        .iter()
        .map(|s| format!("create schema if not exists {}", s.sql))
        .collect();
    let mut views = vec![];
    for s in staged {
        let node = &manifest.nodes[s.index];
        match staging.kind(&s.staging) {
            Some(RelationKind::Table) => {
                for (from, to) in companions(node, &s.staging).iter().zip(companions(node, &s.target)) {
                    if staging.kind(from) != Some(RelationKind::Table) {
                        continue;
                    }
                    if target.kind(&to) == Some(RelationKind::View) {
                        out.push(format!("drop view if exists {to}"));
                    }
                    out.push(adapter.copy_table_sql(node, from, &to));
                }
            }
            Some(RelationKind::View) => views.push(s),
            None => {
                return Err(Error::runtime(format!(
                    "{} was not found in the staging schema after the build ({})",
                    node.name, s.staging
                )));
            }
        }
    }
    for s in in_dependency_order(manifest, views) {
        let node = &manifest.nodes[s.index];
        let Some(sql) = view_sql.get(&s.index) else {
            return Err(Error::runtime(format!(
                "view {} was not compiled for the target",
                node.name
            )));
        };
        if target.kind(&s.target) == Some(RelationKind::Table) {
            out.push(format!("drop table if exists {}", s.target));
        }
        out.push(adapter.replace_view_sql(node, &s.target, sql.trim_end().trim_end_matches(';')));
    }
    Ok(out)
}

/// Views after the views they select from (a warehouse may check a view's query when it is
/// created).
fn in_dependency_order<'a>(manifest: &Manifest, views: Vec<&'a Staged>) -> Vec<&'a Staged> {
    let ids: HashMap<&str, &'a Staged> = views
        .iter()
        .map(|s| (manifest.nodes[s.index].unique_id.as_str(), *s))
        .collect();
    let mut done: HashSet<&str> = HashSet::new();
    let mut out = vec![];
    fn visit<'a, 'm>(
        manifest: &'m Manifest,
        id: &'m str,
        ids: &HashMap<&str, &'a Staged>,
        done: &mut HashSet<&'m str>,
        out: &mut Vec<&'a Staged>,
    ) {
        // Ephemeral models are walked through: a view can reach another by way of one.
        let Some(index) = manifest.index_of(id) else { return };
        let staged = ids.get(id);
        if (staged.is_none() && manifest.nodes[index].materialized() != Materialization::Ephemeral) || !done.insert(id)
        {
            return;
        }
        for dep in &manifest.nodes[index].depends_on {
            visit(manifest, dep, ids, done, out);
        }
        if let Some(s) = staged {
            out.push(s);
        }
    }
    for s in &views {
        visit(manifest, &manifest.nodes[s.index].unique_id, &ids, &mut done, &mut out);
    }
    out
}

/// Run the promotion: in one transaction where DDL is transactional, else statement by
/// statement.
pub(crate) fn apply(adapter: &dyn Adapter, conn: &mut dyn Connection, stmts: &[String]) -> Result<()> {
    if adapter.transactional_ddl() {
        return crate::materialize::atomic::transaction(conn, stmts);
    }
    for s in stmts {
        conn.execute(s)?;
    }
    Ok(())
}
