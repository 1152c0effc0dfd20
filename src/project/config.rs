//! `project.yml`: the project's name, paths, vars, folder configs and targets.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;

use crate::error::{Error, Result, yaml_error};

pub const PROJECT_FILE: &str = "project.yml";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ProjectFile {
    pub name: String,
    #[serde(default)]
    pub version: Option<Value>,
    #[serde(default = "default_model_paths")]
    pub model_paths: Vec<String>,
    #[serde(default = "default_seed_paths")]
    pub seed_paths: Vec<String>,
    #[serde(default = "default_test_paths")]
    pub test_paths: Vec<String>,
    #[serde(default = "default_macro_paths")]
    pub macro_paths: Vec<String>,
    #[serde(default = "default_snapshot_paths")]
    pub snapshot_paths: Vec<String>,
    /// Analyses: SQL compiled into target/compiled/, never run (dbt's `analysis-paths`).
    #[serde(default = "default_analysis_paths")]
    pub analysis_paths: Vec<String>,
    #[serde(default = "default_target_path")]
    pub target_path: String,
    #[serde(default)]
    pub vars: IndexMap<String, Value>,
    /// Folder configs for models, keyed by project name then folder names (`+materialized: view`).
    #[serde(default)]
    pub models: Value,
    #[serde(default)]
    pub seeds: Value,
    #[serde(default, alias = "data_tests", alias = "tests", rename = "data-tests")]
    pub tests: Value,
    #[serde(default)]
    pub snapshots: Value,
    /// Folder configs for sources, keyed by project name, source name, then table name
    /// (`+enabled` is acted on; see `parse::sources`).
    #[serde(default)]
    pub sources: Value,
    #[serde(default)]
    pub targets: IndexMap<String, Value>,
    /// Other keys: dbt_project.yml's (read by `dbt_project`), mozt's `braze:` and
    /// `packages-install-path:`; anything else is named in a warning (`warn_unknown_keys`).
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

fn default_model_paths() -> Vec<String> {
    vec!["models".into()]
}
fn default_seed_paths() -> Vec<String> {
    vec!["seeds".into()]
}
fn default_test_paths() -> Vec<String> {
    vec!["tests".into()]
}
fn default_macro_paths() -> Vec<String> {
    vec!["macros".into()]
}
fn default_snapshot_paths() -> Vec<String> {
    vec!["snapshots".into()]
}
fn default_analysis_paths() -> Vec<String> {
    vec!["analyses".into()]
}
fn default_target_path() -> String {
    "target".into()
}

impl ProjectFile {
    pub fn parse(path: &Path, text: &str) -> Result<ProjectFile> {
        let file: ProjectFile = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(path, &e, text))?;
        if file.name.trim().is_empty() || !file.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::project(format!(
                "project name '{}' is not valid: use letters, digits and underscores",
                file.name
            ))
            .at(crate::error::Location::at(
                path,
                crate::error::line_of(text, "name").unwrap_or(1),
            ))
            .with_source_line(text));
        }
        Ok(file)
    }
}

/// The top-level keys of mozt's project.yml.
const PROJECT_KEYS: &[&str] = &[
    "name",
    "version",
    "model-paths",
    "seed-paths",
    "test-paths",
    "macro-paths",
    "snapshot-paths",
    "analysis-paths",
    "target-path",
    "vars",
    "models",
    "seeds",
    "tests",
    "data-tests",
    "data_tests",
    "snapshots",
    "sources",
    "targets",
    "braze",
    "packages-install-path",
];

/// Warn about every key of project.yml mozt does not read, and every `+config` in its folder
/// configs that is not a config mozt knows (`+materialised`), with file:line and the closest
/// known name.
pub fn warn_unknown_keys(path: &Path, text: &str, file: &ProjectFile) {
    for key in file.other.keys().filter(|k| !PROJECT_KEYS.contains(&k.as_str())) {
        let line = super::yaml_lines::key_line(text, &[key]).unwrap_or(1);
        super::keys::warn_unknown(path, line, key, "project.yml", PROJECT_KEYS.iter().copied());
    }
    warn_unknown_configs(path, text, file);
}

/// `+config` keys of the `models:`, `seeds:`, `snapshots:` and `tests:` folder configs that
/// name no config mozt or dbt knows.
pub fn warn_unknown_configs(path: &Path, text: &str, file: &ProjectFile) {
    let data_tests = if text.contains("data_tests:") {
        "data_tests"
    } else {
        "data-tests"
    };
    let section_of_tests = if super::yaml_lines::key_line(text, &["tests"]).is_some() {
        "tests"
    } else {
        data_tests
    };
    for (section, tree) in [
        ("models", &file.models),
        ("seeds", &file.seeds),
        ("snapshots", &file.snapshots),
        (section_of_tests, &file.tests),
        ("sources", &file.sources),
    ] {
        let mut stack: Vec<(Vec<String>, &Value)> = vec![(vec![section.to_string()], tree)];
        while let Some((at, level)) = stack.pop() {
            let Some(obj) = level.as_object() else { continue };
            for (k, v) in obj {
                let mut key_path = at.clone();
                key_path.push(k.clone());
                let normalized = normalize_key(k);
                if k.starts_with('+') {
                    let keys: Vec<&str> = key_path.iter().map(String::as_str).collect();
                    let line = super::yaml_lines::key_line(text, &keys).unwrap_or(1);
                    if section == "sources" && normalized != "enabled" && CONFIG_KEYS.contains(&normalized.as_str()) {
                        tracing::warn!(
                            "{}: `{k}` in `sources:` configs is ignored: mozt applies only `+enabled` from there; set it in the sources' YAML",
                            crate::error::Location::at(path, line)
                        );
                    } else if !CONFIG_KEYS.contains(&normalized.as_str()) {
                        super::keys::warn_unknown(
                            path,
                            line,
                            k,
                            &format!("`{section}:` configs"),
                            CONFIG_KEYS.iter().copied(),
                        );
                    }
                } else if v.is_object() && !KNOWN_CONFIGS.contains(&normalized.as_str()) && key_path.len() < 64 {
                    stack.push((key_path, v));
                }
            }
        }
    }
}

/// Writes the config key lists from one list: `CONFIG_KEYS`, every key, and `KNOWN_CONFIGS`,
/// the `bare` ones, which are configs even without a leading `+` in folder configs.
macro_rules! config_keys {
    (bare: [$($bare:literal,)*], prefixed: [$($prefixed:literal,)*],) => {
        /// Configs dbt 1.11 documents for models, seeds, snapshots and tests (on DuckDB and
        /// Snowflake), and mozt's own: a `+key` not among them is named in a warning.
        pub const CONFIG_KEYS: &[&str] = &[$($bare,)* $($prefixed,)*];

        /// Keys that are configs even without a leading `+` in folder configs.
        const KNOWN_CONFIGS: &[&str] = &[$($bare,)*];
    };
}

config_keys! {
    bare: [
        "enabled",
        "tags",
        "meta",
        "docs",
        "materialized",
        "schema",
        "database",
        "alias",
        "pre_hook",
        "post_hook",
        "persist_docs",
        "full_refresh",
        "column_types",
        "quote_columns",
        "delimiter",
        "unique_key",
        "incremental_strategy",
        "on_schema_change",
        "transient",
        "copy_grants",
        "query_tag",
        "snowflake_warehouse",
        "severity",
        "store_failures",
        "grants",
        "contract",
        "group",
        "access",
    ],
    prefixed: [
        "store_failures_as",
        "sql_header",
        "on_configuration_change",
        "incremental_predicates",
        "merge_update_columns",
        "merge_exclude_columns",
        "batch_size",
        "lookback",
        "begin",
        "event_time",
        "concurrent_batches",
        "cluster_by",
        "automatic_clustering",
        "secure",
        "target_lag",
        "table_format",
        "external_volume",
        "base_location_root",
        "base_location_subpath",
        "strategy",
        "updated_at",
        "check_cols",
        "hard_deletes",
        "invalidate_hard_deletes",
        "target_schema",
        "target_database",
        "snapshot_meta_column_names",
        "dbt_valid_to_current",
        "error_if",
        "warn_if",
        "limit",
        "fail_calc",
        "where",
        "quoting",
        "freshness",
        "loaded_at_field",
        "packages",
        "python_version",
        "imports",
        "submission_method",
        "labels",
        "unlogged",
        "indexes",
        "braze_identifier",
        "sort",
        "dist",
        "file_format",
        "location_root",
        "partition_by",
        "meta_columns",
    ],
}

/// Normalize a config key the way dbt users write them: `+materialized` -> `materialized`,
/// `pre-hook` -> `pre_hook`.
pub fn normalize_key(key: &str) -> String {
    key.trim_start_matches('+').replace('-', "_")
}

/// Merge one config layer into `into`: tags accumulate, meta merges, hooks append, the rest replaces.
pub fn merge_config(into: &mut Map<String, Value>, layer: &Map<String, Value>) {
    for (key, value) in layer {
        let key = normalize_key(key);
        match key.as_str() {
            "tags" => {
                let mut tags: Vec<Value> = as_list(into.get("tags"));
                for t in as_list(Some(value)) {
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                into.insert(key, Value::Array(tags));
            }
            "pre_hook" | "post_hook" => {
                let mut hooks = as_list(into.get(&key));
                hooks.extend(as_list(Some(value)));
                into.insert(key, Value::Array(hooks));
            }
            // Mappings a later layer updates key by key, as dbt merges them (a seed's
            // `column_types` adds to its folder's).
            "meta" | "column_types" | "quoting" | "docs" | "contract" if value.is_object() => {
                let mut merged = into.get(&key).and_then(Value::as_object).cloned().unwrap_or_default();
                if let Some(obj) = value.as_object() {
                    for (k, v) in obj {
                        merged.insert(k.clone(), v.clone());
                    }
                }
                into.insert(key, Value::Object(merged));
            }
            _ => {
                into.insert(key, value.clone());
            }
        }
    }
}

fn as_list(v: Option<&Value>) -> Vec<Value> {
    match v {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
    }
}

/// The folder configs from a `models:`/`seeds:` tree that apply to a node with this fqn
/// (`[project, folder, ..., name]`), from the outermost folder to the innermost.
pub fn folder_config(tree: &Value, fqn: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut level = tree;
    for part in fqn {
        let Some(obj) = level.as_object() else { break };
        // Configs at this level apply to everything below it.
        out_merge_level(&mut out, obj);
        match obj.get(part) {
            Some(next) if next.is_object() => level = next,
            _ => return out,
        }
    }
    if let Some(obj) = level.as_object() {
        out_merge_level(&mut out, obj);
    }
    out
}

fn out_merge_level(out: &mut Map<String, Value>, obj: &Map<String, Value>) {
    let mut layer = Map::new();
    for (k, v) in obj {
        let normalized = normalize_key(k);
        let map_valued = matches!(
            normalized.as_str(),
            "meta" | "column_types" | "persist_docs" | "docs" | "grants" | "contract"
        );
        if k.starts_with('+') || (KNOWN_CONFIGS.contains(&normalized.as_str()) && (!v.is_object() || map_valued)) {
            layer.insert(normalized, v.clone());
        }
    }
    merge_config(out, &layer);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn folder_configs_nest_and_accumulate_tags() {
        let tree = json!({"p": {"+tags": ["a"], "staging": {"+materialized": "view", "tags": "b",
                          "braze": {"+schema": "stg"}}, "marts": {"+materialized": "table"}}});
        let fqn: Vec<String> = ["p", "staging", "braze", "stg_x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cfg = folder_config(&tree, &fqn);
        assert_eq!(cfg["materialized"], json!("view"));
        assert_eq!(cfg["schema"], json!("stg"));
        assert_eq!(cfg["tags"], json!(["a", "b"]));
        let fqn: Vec<String> = ["p", "marts", "dim"].iter().map(|s| s.to_string()).collect();
        assert_eq!(folder_config(&tree, &fqn)["materialized"], json!("table"));
        let other: Vec<String> = ["q", "marts", "dim"].iter().map(|s| s.to_string()).collect();
        assert!(folder_config(&tree, &other).is_empty());
    }

    /// As dbt merges configs: mappings such as `column_types` and `meta` are updated key by key
    /// (Fivetran's integration projects type `_fivetran_synced` for the folder and other
    /// columns per seed), hooks and tags appended, anything else replaced.
    #[test]
    fn mappings_merge_key_by_key() {
        let tree = json!({"p": {"+column_types": {"synced": "timestamp"}, "+meta": {"a": 1},
                          "events": {"+column_types": {"created": "timestamp", "id": "varchar"},
                                     "+meta": {"b": 2}, "+materialized": "seed"}}});
        let fqn: Vec<String> = ["p", "events"].iter().map(|s| s.to_string()).collect();
        let cfg = folder_config(&tree, &fqn);
        assert_eq!(
            cfg["column_types"],
            json!({"synced": "timestamp", "created": "timestamp", "id": "varchar"})
        );
        assert_eq!(cfg["meta"], json!({"a": 1, "b": 2}));
        let mut cfg = cfg;
        merge_config(&mut cfg, json!({"column_types": {"id": "bigint"}}).as_object().unwrap());
        assert_eq!(cfg["column_types"]["id"], json!("bigint"));
        assert_eq!(cfg["column_types"]["synced"], json!("timestamp"));
    }
}
