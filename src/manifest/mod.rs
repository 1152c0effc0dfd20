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
    /// Model/seed/snapshot name -> node index (what ref() resolves): the root project's node
    /// where a package has one of the same name.
    by_name: FastMap<String, usize>,
    /// (package, name) -> node index, for the names that more than one project uses (usually
    /// none).
    same_name: FastMap<(String, String), usize>,
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
                    || refable_index(nodes, &self.project_name),
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
        (self.by_name, self.same_name) = by_name;
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

    /// The node `ref()` names, as dbt finds it: with a package, that package's (the root
    /// project's name finds any); without, the root project's, else the one in the calling
    /// node's package (`caller`), else the first package's.
    pub fn find_ref(&self, caller: Option<&str>, package: Option<&str>, name: &str) -> Option<&Node> {
        let first = self.by_name(name)?;
        let in_package = |p: &str| match first.package_name == p {
            true => Some(first),
            false => self
                .same_name
                .get(&(p.to_string(), name.to_string()))
                .map(|&i| &self.nodes[i]),
        };
        match package {
            Some(p) if p == self.project_name => in_package(p).or(Some(first)),
            Some(p) => in_package(p),
            None if self.same_name.is_empty() => Some(first),
            None => in_package(&self.project_name)
                .or_else(|| caller.and_then(in_package))
                .or(Some(first)),
        }
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
    pub fn ref_relation(
        &self,
        caller: Option<&str>,
        package: Option<&str>,
        name: &str,
    ) -> Result<std::borrow::Cow<'_, Relation>, String> {
        use std::borrow::Cow;
        let node = self
            .find_ref(caller, package, name)
            .ok_or_else(|| match (package, self.by_name(name)) {
                (Some(p), Some(other)) => format!(
                    "ref('{p}', '{name}'): '{name}' is in '{}', not in '{p}'",
                    other.package_name
                ),
                _ => format!("ref('{name}'): no model, seed or snapshot named '{name}'"),
            })?;
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

/// Refable nodes by name (the root project's first), and by (package, name) for the names
/// more than one project uses.
type RefIndex = (FastMap<String, usize>, FastMap<(String, String), usize>);

fn refable_index(nodes: &[Node], root: &str) -> RefIndex {
    let mut by_name: FastMap<String, usize> = crate::hash::fast_map(nodes.len());
    let mut same_name: FastMap<(String, String), usize> = crate::hash::fast_map(0);
    let refable = |n: &Node| {
        matches!(
            n.resource_type,
            ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
        )
    };
    for (i, n) in nodes.iter().enumerate().filter(|(_, n)| refable(n)) {
        let Some(&prev) = by_name.get(&n.name) else {
            by_name.insert(n.name.clone(), i);
            continue;
        };
        let p = &nodes[prev];
        same_name.insert((p.package_name.clone(), p.name.clone()), prev);
        same_name.insert((n.package_name.clone(), n.name.clone()), i);
        if n.package_name == root {
            by_name.insert(n.name.clone(), i);
        }
    }
    (by_name, same_name)
}
