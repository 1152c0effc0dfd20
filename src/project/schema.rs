//! Schema YAML files beside models: model and seed properties, sources, tests, unit tests.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

use crate::error::{Result, yaml_error};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SchemaFile {
    #[serde(default)]
    pub models: Vec<NodePatch>,
    #[serde(default)]
    pub seeds: Vec<NodePatch>,
    #[serde(default)]
    pub snapshots: Vec<NodePatch>,
    #[serde(default)]
    pub sources: Vec<SourceDecl>,
    /// Unit tests, top-level as dbt declares them (`unit_tests: [{name, model, given, expect}]`).
    #[serde(default)]
    pub unit_tests: Vec<Value>,
    /// Other keys (version, exposures, metrics, macros, ...) accepted and ignored.
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

/// Properties of a model, seed or snapshot declared in YAML.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct NodePatch {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub config: Map<String, Value>,
    #[serde(default)]
    pub columns: Vec<ColumnDecl>,
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
    #[serde(default)]
    pub unit_tests: Vec<Value>,
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ColumnDecl {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default)]
    pub quote: Option<bool>,
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SourceDecl {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub loaded_at_field: Option<String>,
    /// `None` when not written; `Some(Null)` for an explicit `freshness: null` (no check).
    #[serde(default, deserialize_with = "explicit")]
    pub freshness: Option<Value>,
    #[serde(default)]
    pub config: Map<String, Value>,
    #[serde(default)]
    pub tables: Vec<SourceTable>,
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SourceTable {
    pub name: String,
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub loaded_at_field: Option<String>,
    /// `None` when not written; `Some(Null)` for an explicit `freshness: null` (no check).
    #[serde(default, deserialize_with = "explicit")]
    pub freshness: Option<Value>,
    #[serde(default)]
    pub columns: Vec<ColumnDecl>,
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
    #[serde(default)]
    pub config: Map<String, Value>,
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

/// Keep a key that is present but null (`freshness: null`) apart from a missing one.
fn explicit<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Top-level keys of a schema file beyond the ones read into [`SchemaFile`]: dbt's, which do
/// not change what a run builds.
const TOP_KEYS: &[&str] = &[
    "version",
    "models",
    "seeds",
    "snapshots",
    "sources",
    "unit_tests",
    "macros",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "groups",
    "analyses",
    "data_tests",
    "functions",
];

/// Keys of a model, seed or snapshot entry (read ones and dbt's documentation-only ones).
const PATCH_KEYS: &[&str] = &[
    "name",
    "description",
    "config",
    "columns",
    "data_tests",
    "tests",
    "unit_tests",
    "docs",
    "meta",
    "tags",
    "access",
    "group",
    "contract",
    "constraints",
    "latest_version",
    "versions",
    "deprecation_date",
    "time_spine",
    "relation",
];

const COLUMN_KEYS: &[&str] = &[
    "name",
    "description",
    "data_type",
    "quote",
    "data_tests",
    "tests",
    "meta",
    "tags",
    "constraints",
    "policy_tags",
    "granularity",
    "config",
    "docs",
];

const SOURCE_KEYS: &[&str] = &[
    "name",
    "description",
    "database",
    "schema",
    "loaded_at_field",
    "loaded_at_query",
    "freshness",
    "config",
    "tables",
    "loader",
    "meta",
    "tags",
    "quoting",
    "overrides",
];

const SOURCE_TABLE_KEYS: &[&str] = &[
    "name",
    "identifier",
    "description",
    "loaded_at_field",
    "loaded_at_query",
    "freshness",
    "columns",
    "data_tests",
    "tests",
    "config",
    "meta",
    "tags",
    "quoting",
    "external",
];

impl SchemaFile {
    /// How many nodes its test entries make at most: data tests on models, seeds, snapshots
    /// and source tables and on their columns, and unit tests.
    pub fn declared_tests(&self) -> usize {
        let columns = |cols: &[ColumnDecl]| cols.iter().map(|c| c.data_tests.len()).sum::<usize>();
        let patches = self.models.iter().chain(&self.seeds).chain(&self.snapshots);
        let on_patches: usize = patches.map(|p| p.data_tests.len() + columns(&p.columns)).sum();
        let on_sources: usize = self
            .sources
            .iter()
            .flat_map(|s| &s.tables)
            .map(|t| t.data_tests.len() + columns(&t.columns))
            .sum();
        on_patches + on_sources + self.unit_test_entries()
    }

    /// How many `unit_tests:` entries it has, at the top level and under its models.
    pub fn unit_test_entries(&self) -> usize {
        self.unit_tests.len() + self.models.iter().map(|p| p.unit_tests.len()).sum::<usize>()
    }
}

/// One schema file as read from disk, kept with its text for error locations.
#[derive(Debug, Clone)]
pub struct SchemaDoc {
    pub path: PathBuf,
    pub text: String,
    pub content: SchemaFile,
}

impl SchemaDoc {
    pub fn parse(path: &Path, text: String) -> Result<SchemaDoc> {
        let content: SchemaFile = if text.trim().is_empty() {
            SchemaFile::default()
        } else {
            serde_yaml_ng::from_str(&text).map_err(|e| yaml_error(path, &e, &text))?
        };
        let doc = SchemaDoc {
            path: path.to_path_buf(),
            text,
            content,
        };
        doc.warn_unknown_keys();
        Ok(doc)
    }

    /// Name every key mozt does not know in a warning with its line and the closest known key
    /// (`colums:` would otherwise drop the columns' tests without a word).
    pub fn warn_unknown_keys(&self) {
        let c = &self.content;
        for key in c.other.keys() {
            if !TOP_KEYS.contains(&key.as_str()) {
                let line = super::yaml_lines::key_line(&self.text, &[key]).unwrap_or(1);
                super::keys::warn_unknown(&self.path, line, key, "schema YAML", TOP_KEYS.iter().copied());
            }
        }
        for (what, patches) in [("model", &c.models), ("seed", &c.seeds), ("snapshot", &c.snapshots)] {
            for p in patches {
                self.warn_entry(&p.name, what, p.other.keys(), PATCH_KEYS);
                let configs = p
                    .config
                    .keys()
                    .filter(|k| !super::config::CONFIG_KEYS.contains(&super::config::normalize_key(k).as_str()));
                self.warn_entry(&p.name, &format!("the config of {what}"), configs, &[]);
                for col in &p.columns {
                    self.warn_entry(&col.name, "column", col.other.keys(), COLUMN_KEYS);
                }
            }
        }
        for src in &c.sources {
            self.warn_entry(&src.name, "source", src.other.keys(), SOURCE_KEYS);
            for t in &src.tables {
                self.warn_entry(&t.name, "source table", t.other.keys(), SOURCE_TABLE_KEYS);
                for col in &t.columns {
                    self.warn_entry(&col.name, "column", col.other.keys(), COLUMN_KEYS);
                }
            }
        }
    }

    /// Warn about the unknown keys among `keys` of the entry named `name`.
    /// (`known` empty: the keys are configs, checked by the caller and hinted from the config names.)
    fn warn_entry<'a>(&self, name: &str, what: &str, keys: impl Iterator<Item = &'a String>, known: &[&str]) {
        let hints = if known.is_empty() {
            super::config::CONFIG_KEYS
        } else {
            known
        };
        for key in keys.filter(|k| !known.contains(&k.as_str())) {
            let from = self.line_of_name(name).unwrap_or(1);
            let line = super::keys::line_after(&self.text, from, key);
            super::keys::warn_unknown(
                &self.path,
                line,
                key,
                &format!("{what} '{name}'"),
                hints.iter().copied(),
            );
        }
    }

    /// The line where `- name: <name>` (or `name: <name>`) is declared, for error messages.
    pub fn line_of_name(&self, name: &str) -> Option<usize> {
        for (idx, line) in self.text.lines().enumerate() {
            let t = line.trim_start().trim_start_matches("- ").trim();
            if let Some(rest) = t.strip_prefix("name:") {
                let v = rest.trim().trim_matches(|c| c == '"' || c == '\'');
                if v == name {
                    return Some(idx + 1);
                }
            }
        }
        None
    }
}
