//! The nodes of a parsed project: models, seeds, tests, and the sources they read.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::PathBuf;

use super::config::NodeConfig;
use super::materialization::Materialization;
use super::render::RefCall;
use crate::relation::Relation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Model,
    Seed,
    Snapshot,
    Test,
    UnitTest,
    /// SQL in analyses/: compiled, never run.
    Analysis,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Model => "model",
            ResourceType::Seed => "seed",
            ResourceType::Snapshot => "snapshot",
            ResourceType::Test => "test",
            ResourceType::UnitTest => "unit_test",
            ResourceType::Analysis => "analysis",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ColumnInfo {
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// `constraints:` (created when the model's contract is enforced).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<super::publish::Constraint>,
}

/// What a data test checks, for tests generated from YAML or written in tests/.
#[derive(Debug, Clone, Serialize)]
pub struct TestInfo {
    /// `not_null`, `unique`, a custom generic test's name, or `singular`.
    pub test_name: String,
    /// The model, seed or source the test is attached to (its unique id).
    pub attached_to: Option<String>,
    pub column_name: Option<String>,
    /// The test's arguments (values, to, field, ...).
    pub kwargs: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub unique_id: String,
    pub name: String,
    pub resource_type: ResourceType,
    pub package_name: String,
    /// The file that defines it, relative to the project root.
    pub original_file_path: PathBuf,
    pub fqn: Vec<String>,
    #[serde(skip)]
    pub raw_code: std::sync::Arc<str>,
    /// The name of the template to render (usually the file path; tests get their own).
    #[serde(skip)]
    pub template: String,
    pub config: Map<String, Value>,
    /// The configs mozt acts on, read from `config` once the parse phase has resolved it
    /// (`resolve_settings`).
    #[serde(skip)]
    pub settings: NodeConfig,
    #[serde(skip)]
    pub refs: Vec<RefCall>,
    #[serde(skip)]
    pub sources: Vec<(String, String)>,
    /// Unique ids of the nodes and sources this node reads.
    pub depends_on: Vec<String>,
    /// Where it is built; None for tests and ephemeral models.
    pub relation: Option<Relation>,
    pub description: String,
    pub columns: IndexMap<String, ColumnInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<TestInfo>,
    /// A unit test's spec (its `test.kwargs` hold the same, as manifest.json shows it).
    #[serde(skip)]
    pub unit: Option<std::sync::Arc<super::unit_test::UnitSpec>>,
    /// Vars and env vars the node's Jinja read (for change detection).
    #[serde(skip)]
    pub vars_used: Vec<String>,
    /// The `yaml` checksum of the node's entry in schema YAML, when it has one (worked out
    /// when the entry is read: the entry itself is not kept).
    #[serde(skip)]
    pub yaml_checksum: Option<crate::hash::Sum>,
    /// The parse render's text, which compile fills in instead of rendering again.
    #[serde(skip)]
    pub prerender: Option<std::sync::Arc<super::render::Prerender>>,
    /// Its Jinja looked at the warehouse (`run_query`, `adapter.get_columns_in_relation`, ...):
    /// the run renders it again against the live connection once its parents exist.
    #[serde(skip)]
    pub introspects: bool,
    /// The model's own `constraints:` in schema YAML (over one or more `columns:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<super::publish::Constraint>,
}

impl Node {
    /// How the node is built. A model's `materialized` config was checked by the parse phase;
    /// a model without one is a view.
    pub fn materialized(&self) -> Materialization {
        match self.resource_type {
            ResourceType::Seed => Materialization::Seed,
            ResourceType::Test | ResourceType::UnitTest => Materialization::Test,
            ResourceType::Snapshot => Materialization::Snapshot,
            // Built nowhere: like an ephemeral model, it has no relation and no run plan has it.
            ResourceType::Analysis => Materialization::Ephemeral,
            ResourceType::Model => self.settings.materialized.unwrap_or(Materialization::View),
        }
    }

    /// Read `settings` from the resolved `config` (the parse phase calls this when it has
    /// merged the node's last config layer).
    pub fn resolve_settings(&mut self) {
        self.settings = NodeConfig::read(&self.config);
    }
}

/// Models, seeds and snapshots by name: what `ref()` can name.
pub(crate) fn refable_by_name(nodes: &[Node]) -> crate::hash::FastMap<&str, &Node> {
    let mut out = crate::hash::fast_map(nodes.len());
    for n in nodes {
        if matches!(
            n.resource_type,
            ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
        ) {
            out.insert(n.name.as_str(), n);
        }
    }
    out
}

/// A table declared under `sources:` in schema YAML.
#[derive(Debug, Clone, Serialize)]
pub struct SourceNode {
    pub unique_id: String,
    pub source_name: String,
    pub name: String,
    pub original_file_path: PathBuf,
    pub relation: Relation,
    pub description: String,
    pub columns: IndexMap<String, ColumnInfo>,
    pub loaded_at_field: Option<String>,
    pub freshness: Option<Value>,
    /// The table's definition as written in YAML, target-independent (for change detection).
    #[serde(skip)]
    pub yaml: Value,
}
