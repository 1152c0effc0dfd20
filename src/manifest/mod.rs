//! The manifest: every node of the project after the parse phase, with its config, its
//! dependencies and the relation it builds. Plain data: `parse` builds it once per command;
//! graph, compile, the SQL check, execution and artifacts read it.

pub(crate) mod config;
pub(crate) mod materialization;
pub(crate) mod node;
pub(crate) mod publish;
pub(crate) mod render;
pub(crate) mod threshold;
pub(crate) mod unit_test;

use std::collections::HashMap;

use crate::hash::FastMap;
use crate::relation::Relation;
use crate::suggest::closest;
pub(crate) use config::NodeConfig;
pub(crate) use materialization::{BrazeSync, Materialization};
pub(crate) use node::{ColumnInfo, Node, ResourceType, SourceNode, TestInfo};

#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub project_name: String,
    pub nodes: Vec<Node>,
    pub sources: Vec<SourceNode>,
    by_id: FastMap<String, usize>,
    /// Model/seed/snapshot name -> node index (what ref() resolves).
    by_name: FastMap<String, usize>,
    source_by_name: FastMap<(String, String), usize>,
    source_by_id: FastMap<String, usize>,
    /// `--defer`: model name -> the relation ref() gives instead of the node's own.
    pub deferred: HashMap<String, Relation>,
    /// What `var()` reads in an installed package's nodes (its vars, the root's over them,
    /// `--vars` over all), by package name; the root project's nodes read the global vars.
    pub package_vars: HashMap<String, serde_json::Map<String, serde_json::Value>>,
    /// `--empty`: every ref and source reads as a subquery with no rows (dbt 1.8's flag).
    pub empty_inputs: bool,
}

impl Manifest {
    pub fn new(project_name: String, nodes: Vec<Node>, sources: Vec<SourceNode>) -> Manifest {
        let mut m = Manifest {
            project_name,
            nodes,
            sources,
            ..Default::default()
        };
        m.reindex();
        m
    }

    pub fn reindex(&mut self) {
        let nodes = &self.nodes;
        let ((by_id, by_name), (source_by_id, source_by_name)) = rayon::join(
            || {
                rayon::join(
                    || {
                        nodes
                            .iter()
                            .enumerate()
                            .map(|(i, n)| (n.unique_id.clone(), i))
                            .collect()
                    },
                    || {
                        nodes
                            .iter()
                            .enumerate()
                            .filter(|(_, n)| {
                                matches!(
                                    n.resource_type,
                                    ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
                                )
                            })
                            .map(|(i, n)| (n.name.clone(), i))
                            .collect()
                    },
                )
            },
            || {
                let sources = self.sources.iter().enumerate();
                (
                    sources.clone().map(|(i, s)| (s.unique_id.clone(), i)).collect(),
                    sources
                        .map(|(i, s)| ((s.source_name.clone(), s.name.clone()), i))
                        .collect(),
                )
            },
        );
        self.by_id = by_id;
        self.by_name = by_name;
        self.source_by_id = source_by_id;
        self.source_by_name = source_by_name;
    }

    pub fn node(&self, unique_id: &str) -> Option<&Node> {
        self.by_id.get(unique_id).map(|&i| &self.nodes[i])
    }

    pub fn index_of(&self, unique_id: &str) -> Option<usize> {
        self.by_id.get(unique_id).copied()
    }

    pub fn by_name(&self, name: &str) -> Option<&Node> {
        self.by_name.get(name).map(|&i| &self.nodes[i])
    }

    pub fn source(&self, source: &str, table: &str) -> Option<&SourceNode> {
        self.source_by_name
            .get(&(source.to_string(), table.to_string()))
            .map(|&i| &self.sources[i])
    }

    pub fn source_index(&self, unique_id: &str) -> Option<usize> {
        self.source_by_id.get(unique_id).copied()
    }

    /// Declared `source.table` names close to `source.table`, for "did you mean" hints.
    pub fn closest_sources(&self, source: &str, table: &str) -> Vec<String> {
        let declared: Vec<String> = self
            .sources
            .iter()
            .map(|x| format!("{}.{}", x.source_name, x.name))
            .collect();
        closest(&format!("{source}.{table}"), declared.iter().map(String::as_str))
    }

    pub fn source_by_id(&self, unique_id: &str) -> Option<&SourceNode> {
        self.source_by_id.get(unique_id).map(|&i| &self.sources[i])
    }

    /// Names ref() can take, for "did you mean" hints.
    pub fn ref_names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn count(&self, kind: ResourceType) -> usize {
        self.nodes.iter().filter(|n| n.resource_type == kind).count()
    }

    /// `ref()`'s relation, borrowed when the manifest holds it (compile fills every ref of every
    /// model with one, so it is not copied for each).
    pub fn ref_relation(&self, package: Option<&str>, name: &str) -> Result<std::borrow::Cow<'_, Relation>, String> {
        use std::borrow::Cow;
        let node = self
            .by_name(name)
            .ok_or_else(|| format!("ref('{name}'): no model, seed or snapshot named '{name}'"))?;
        if let Some(p) = package
            && p != self.project_name
            && p != node.package_name
        {
            return Err(format!(
                "ref('{p}', '{name}'): '{name}' is in '{}', not in '{p}'",
                node.package_name
            ));
        }
        if let Some(deferred) = self.deferred.get(name) {
            return Ok(Cow::Borrowed(deferred));
        }
        if node.materialized() == Materialization::Ephemeral {
            return Ok(Cow::Owned(ephemeral_cte(name)));
        }
        node.relation
            .as_ref()
            .map(Cow::Borrowed)
            .ok_or_else(|| format!("ref('{name}'): '{name}' is not built as a relation"))
    }
}

/// The CTE an ephemeral model becomes in the models that ref it.
/// Whether a ref or source of `relation` reads as `--empty`'s zero-row subquery: with the flag,
/// every relation but an ephemeral model's CTE (which has no schema; its own inputs are empty).
pub(crate) fn reads_empty(manifest: &Manifest, relation: &Relation) -> bool {
    manifest.empty_inputs && !relation.schema.is_empty()
}

pub(crate) fn ephemeral_cte(name: &str) -> Relation {
    Relation::new(None, "", format!("__mozt__cte__{name}"))
}
