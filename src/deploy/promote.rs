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
use crate::adapter::{Adapter, RelationKind};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, Materialization};
use crate::materialize::contract;

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
                let pairs = companions(node, &s.staging)
                    .into_iter()
                    .zip(companions(node, &s.target));
                for (i, (from, to)) in pairs.enumerate() {
                    if staging.kind(&from) != Some(RelationKind::Table) {
                        continue;
                    }
                    if target.kind(&to) == Some(RelationKind::View) {
                        out.push(format!("drop view if exists {to}"));
                    }
                    out.extend(contract::copy_table(adapter, node, &from, &to, i == 0));
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
/// created). Depth first over `depends_on` with a stack of its own (a chain of views as long
/// as the project's never deepens the call stack); ephemeral models are walked through, since a
/// view can reach another by way of one.
fn in_dependency_order<'a>(manifest: &Manifest, views: Vec<&'a Staged>) -> Vec<&'a Staged> {
    let ids: HashMap<&str, &'a Staged> = views
        .iter()
        .map(|s| (manifest.nodes[s.index].unique_id.as_str(), *s))
        .collect();
    let walked = |id: &str| {
        manifest
            .index_of(id)
            .filter(|&i| ids.contains_key(id) || manifest.nodes[i].materialized() == Materialization::Ephemeral)
    };
    let mut done: HashSet<usize> = HashSet::new();
    let mut out = vec![];
    for s in &views {
        if !done.insert(s.index) {
            continue;
        }
        // (node, how many of its dependencies were looked at)
        let mut stack: Vec<(usize, usize)> = vec![(s.index, 0)];
        while let Some((index, next)) = stack.pop() {
            let node = &manifest.nodes[index];
            match node.depends_on.get(next) {
                Some(dep) => {
                    stack.push((index, next + 1));
                    if let Some(d) = walked(dep)
                        && done.insert(d)
                    {
                        stack.push((d, 0));
                    }
                }
                None => {
                    if let Some(staged) = ids.get(node.unique_id.as_str()) {
                        out.push(*staged);
                    }
                }
            }
        }
    }
    out
}
