//! `--defer --state DIR`: a ref to a model that this run does not build, and that does not exist
//! in this run's target, reads the relation the state's run built instead (typically
//! production's), so a pull request can build only what changed in a CI schema.
//!
//! The rule, per node a built node reads (through ephemeral models too): it is deferred when it
//! is not in the run's plan, its relation is not in the target's catalog (listed once per run,
//! with everything else), and the previous manifest records a relation for it.

use std::collections::{BTreeSet, HashMap};

use super::PreviousState;
use crate::adapter::Catalog;
use crate::manifest::{Manifest, Materialization, ResourceType};
use crate::relation::Relation;

/// Nodes (indexes) the plan reads but does not build: the candidates for deferral.
pub(crate) fn candidates(manifest: &Manifest, plan: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<usize> = plan.iter().copied().collect();
    while let Some(i) = stack.pop() {
        for dep in &manifest.nodes[i].depends_on {
            let Some(d) = manifest.index_of(dep) else { continue };
            if !seen.insert(d) {
                continue;
            }
            let node = &manifest.nodes[d];
            if !matches!(
                node.resource_type,
                ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
            ) {
                continue;
            }
            if node.materialized() == Materialization::Ephemeral {
                // Compiled into its readers: what it reads counts as read by them.
                stack.push(d);
            } else if !plan.contains(&d) {
                out.insert(d);
            }
        }
    }
    out
}

/// The schemas the catalog must list to decide about the candidates.
pub(crate) fn schemas(manifest: &Manifest, candidates: &BTreeSet<usize>) -> BTreeSet<String> {
    candidates
        .iter()
        .filter_map(|&i| manifest.nodes[i].relation.as_ref())
        .map(|r| r.schema.clone())
        .collect()
}

/// Node name -> the relation ref() should give it: the previous run's, for candidates missing
/// from the catalog. Logged, one line per deferred node.
pub(crate) fn resolve(
    manifest: &Manifest,
    candidates: &BTreeSet<usize>,
    catalog: &Catalog,
    previous: &PreviousState,
) -> HashMap<String, Relation> {
    let mut out = HashMap::new();
    for &i in candidates {
        let node = &manifest.nodes[i];
        let Some(own) = node.relation.as_ref() else { continue };
        if catalog.kind(own).is_some() {
            continue;
        }
        let Some(old) = previous.nodes.get(&node.unique_id).and_then(|o| o.relation.clone()) else {
            tracing::warn!(
                "--defer: {} is not built in this target and {} does not record it; its ref stays {own}",
                node.name,
                previous.dir.join("manifest.json").display()
            );
            continue;
        };
        let old = old.with_quoting(own.quoting);
        tracing::info!("--defer: ref('{}') reads {old} (not built in this target)", node.name);
        out.insert(node.name.clone(), old);
    }
    out
}
