//! Blue/green deploys (`mozt deploy`, `mozt build --atomic`). Every relation the selection
//! builds is built in a staging schema next to its own (`<schema>__mozt_deploy`, one per schema
//! the selection touches, custom schemas included) and tested there; only when every node
//! passed are the relations promoted into their schemas (`promote`), and the staging schemas
//! dropped. Nodes not selected are read where they are (the target's relations).

pub(crate) mod promote;

use std::collections::{BTreeSet, HashMap};

use crate::adapter::Catalog;
use crate::adapter::{Adapter, Connection, RelationKind};
use crate::error::Result;
use crate::manifest::{Manifest, Materialization, Node, ResourceType};
use crate::relation::Relation;

/// Appended to a schema's name to name its staging schema.
pub(crate) const STAGING_SUFFIX: &str = "__mozt_deploy";

/// One relation a deploy builds: where it is staged and where it is promoted to.
#[derive(Debug, Clone)]
pub(crate) struct Staged {
    pub index: usize,
    pub target: Relation,
    pub staging: Relation,
}

pub(crate) fn staging_relation(r: &Relation) -> Relation {
    let mut s = r.clone();
    s.schema = format!("{}{STAGING_SUFFIX}", r.schema);
    s
}

/// Whether a node builds a relation of its own (not a test, not an ephemeral model).
fn builds_relation(node: &Node) -> bool {
    matches!(
        node.resource_type,
        ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
    ) && node.materialized() != Materialization::Ephemeral
}

/// The manifest with every relation `plan` builds moved to its staging schema (and the sources
/// that a staged seed loads), and the list of what moved.
pub(crate) fn stage_manifest(manifest: &Manifest, plan: &BTreeSet<usize>) -> (Manifest, Vec<Staged>) {
    let mut out = manifest.clone();
    let mut staged = vec![];
    for &i in plan {
        let node = &manifest.nodes[i];
        let Some(rel) = node.relation.as_ref().filter(|_| builds_relation(node)) else {
            continue;
        };
        let staging = staging_relation(rel);
        out.nodes[i].relation = Some(staging.clone());
        staged.push(Staged {
            index: i,
            target: rel.clone(),
            staging,
        });
    }
    let moved: HashMap<&Relation, &Relation> = staged.iter().map(|s| (&s.target, &s.staging)).collect();
    for src in &mut out.sources {
        if let Some(st) = moved.get(&src.relation) {
            src.relation = (*st).clone();
        }
    }
    (out, staged)
}

/// A schema a deploy touches: its name (as `list_relations` takes it) and how it prints in SQL
/// (with its database when the relation names one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Schema {
    pub name: String,
    pub sql: String,
}

/// The schemas of these relations, each once.
pub(crate) fn schemas(rels: impl Iterator<Item = Relation>) -> Vec<Schema> {
    let set: BTreeSet<Schema> = rels
        .map(|r| Schema {
            sql: match &r.database {
                Some(d) => format!("{}.{}", r.quote_ident(d), r.quote_ident(&r.schema)),
                None => r.quote_ident(&r.schema),
            },
            name: r.schema,
        })
        .collect();
    set.into_iter().collect()
}

pub(crate) fn staging_schemas(staged: &[Staged]) -> Vec<Schema> {
    schemas(staged.iter().map(|s| s.staging.clone()))
}

pub(crate) fn target_schemas(staged: &[Staged]) -> Vec<Schema> {
    schemas(staged.iter().map(|s| s.target.clone()))
}

pub(crate) fn names(schemas: &[Schema]) -> Vec<String> {
    schemas.iter().map(|s| s.name.clone()).collect()
}

/// The tables a materialization keeps next to its relation (state it reads on the next run).
pub(crate) fn companions(node: &Node, rel: &Relation) -> Vec<Relation> {
    node.materialized().owned_relations(rel)
}

/// Materializations whose next build starts from what the relation holds now.
fn stateful(node: &Node) -> bool {
    node.materialized().is_stateful()
}

/// Start from empty staging schemas (a failed earlier deploy may have left one), then copy
/// into them the current tables of incremental models, snapshots and Braze syncs, so that
/// they build on the target's data exactly as an in-place run would.
pub(crate) fn prepare_staging(
    adapter: &dyn Adapter,
    conn: &mut dyn Connection,
    manifest: &Manifest,
    staged: &[Staged],
) -> Result<usize> {
    drop_staging(conn, staged)?;
    for s in staging_schemas(staged) {
        conn.execute(&format!("create schema if not exists {}", s.sql))?;
    }
    let existing = Catalog::new(conn.list_relations(&names(&target_schemas(staged)))?);
    let mut copied = 0;
    for s in staged {
        let node = &manifest.nodes[s.index];
        if !stateful(node) {
            continue;
        }
        let pairs = companions(node, &s.target)
            .into_iter()
            .zip(companions(node, &s.staging));
        for (i, (from, to)) in pairs.enumerate() {
            if existing.kind(&from) == Some(RelationKind::Table) {
                tracing::debug!("deploy: copying {from} into {to}");
                crate::materialize::contract::run_copy(adapter, conn, node, &from, &to, i == 0)?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

/// Drop the staging schemas and everything in them.
pub(crate) fn drop_staging(conn: &mut dyn Connection, staged: &[Staged]) -> Result<()> {
    for s in staging_schemas(staged) {
        conn.execute(&format!("drop schema if exists {} cascade", s.sql))?;
    }
    Ok(())
}
