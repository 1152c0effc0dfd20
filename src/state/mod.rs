//! Comparing the project with a previous run: `--state DIR` reads that run's manifest.json
//! (and run_results.json when present) for the `state:` and `result:` selector methods and for
//! `--defer`.

pub(crate) mod checksum;
pub(crate) mod defer;
pub(crate) mod normalize;

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::relation::Relation;

/// A node as the previous manifest recorded it.
#[derive(Debug, Clone)]
pub struct OldNode {
    pub resource_type: String,
    /// None when the manifest predates per-node checksums (everything then counts as modified).
    pub checksums: Option<BTreeMap<String, String>>,
    pub relation: Option<Relation>,
    pub materialized: Option<String>,
}

/// The artifacts of a previous run.
#[derive(Debug, Clone, Default)]
pub struct PreviousState {
    pub dir: PathBuf,
    pub nodes: HashMap<String, OldNode>,
    /// unique_id -> status (`success`, `error`, `fail`, ...) from run_results.json, when present.
    pub results: Option<HashMap<String, String>>,
}

impl PreviousState {
    /// Read `DIR/manifest.json` (required) and `DIR/run_results.json` (optional).
    pub fn load(dir: &Path) -> Result<PreviousState> {
        let started = std::time::Instant::now();
        let manifest_path = dir.join("manifest.json");
        let help = "point --state at the folder holding a previous run's manifest.json (a copy of its target/)";
        if !dir.is_dir() {
            return Err(Error::project(format!("--state {}: no such folder", dir.display())).help(help));
        }
        let doc = read_json(&manifest_path).map_err(|e| e.help(help))?;
        let Some(nodes) = doc.get("nodes").and_then(Value::as_object) else {
            return Err(
                Error::project(format!("{} has no `nodes` object", manifest_path.display()))
                    .at(Location::file(&manifest_path))
                    .help("--state needs a manifest.json written by mozt"),
            );
        };
        let mut out = PreviousState {
            dir: dir.to_path_buf(),
            ..Default::default()
        };
        let sources = doc.get("sources").and_then(Value::as_object);
        let unit_tests = doc.get("unit_tests").and_then(Value::as_object);
        for (id, n) in nodes
            .iter()
            .chain(sources.into_iter().flatten())
            .chain(unit_tests.into_iter().flatten())
        {
            out.nodes.insert(id.clone(), old_node(n));
        }
        if out.nodes.values().any(|n| n.checksums.is_none()) {
            tracing::warn!(
                "{} has nodes without checksums (written by an older mozt): they all count as modified",
                manifest_path.display()
            );
        }
        let results_path = dir.join("run_results.json");
        if results_path.is_file() {
            let doc = read_json(&results_path)?;
            let results = doc
                .get("results")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|r| {
                            Some((
                                r.get("unique_id")?.as_str()?.to_string(),
                                r.get("status")?.as_str()?.to_string(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.results = Some(results);
        }
        tracing::debug!("read --state {} in {:?}", dir.display(), started.elapsed());
        Ok(out)
    }
}

/// An entry of manifest.json (dbt's manifest v12 shape): mozt's checksums under `meta.mozt`
/// (`config.meta.mozt` for a unit test), the relation from `database`, `schema` and `alias`
/// (`identifier` for a source) when it has a `relation_name` (tests and ephemeral models
/// build none). Manifests written by mozt before it took dbt's shape kept `checksums` and `relation` at
/// the top of the entry: they are read too, so a production run's artifacts stay usable
/// across the upgrade.
fn old_node(n: &Value) -> OldNode {
    let extras = n.pointer("/meta/mozt").or_else(|| n.pointer("/config/meta/mozt"));
    let checksums = extras
        .and_then(|e| e.get("checksums"))
        .or_else(|| n.get("checksums"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        });
    let relation = n.get("relation_name").and_then(Value::as_str).and_then(|_| {
        n.get("relation")
            .filter(|r| r.is_object())
            .and_then(relation_of)
            .or_else(|| {
                let identifier = n.get("alias").or_else(|| n.get("identifier"))?.as_str()?;
                Some(Relation::new(
                    n.get("database").and_then(Value::as_str).map(str::to_string),
                    n.get("schema")?.as_str()?,
                    identifier,
                ))
            })
    });
    OldNode {
        resource_type: n
            .get("resource_type")
            .and_then(Value::as_str)
            .unwrap_or("source")
            .to_string(),
        checksums,
        relation,
        materialized: n
            .get("config")
            .and_then(|c| c.get("materialized"))
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// `{"database", "schema", "identifier"}` (the entries of an older mozt's manifest).
fn relation_of(r: &Value) -> Option<Relation> {
    Some(Relation::new(
        r.get("database").and_then(Value::as_str).map(str::to_string),
        r.get("schema")?.as_str()?,
        r.get("identifier")?.as_str()?,
    ))
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::project(format!("cannot read {}: {e}", path.display())).at(Location::file(path)))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::project(format!("{} is not valid JSON: {e}", path.display()))
            .at(Location::at(path, e.line()))
            .help("use the manifest.json and run_results.json that mozt wrote, unchanged")
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// A model's entry as mozt writes it now (dbt's v12 shape) and as it wrote it before
    /// (`checksums` and `relation` at the top) read the same; a test's names no relation.
    #[test]
    fn entries_of_both_shapes_read_the_same() {
        let now = json!({
            "database": null, "schema": "analytics", "alias": "dim_users", "resource_type": "model",
            "relation_name": "analytics.dim_users", "config": {"materialized": "table"},
            "meta": {"mozt": {"checksums": {"body": "ab"}}},
        });
        let before = json!({
            "resource_type": "model", "relation_name": "analytics.dim_users",
            "relation": {"database": null, "schema": "analytics", "identifier": "dim_users"},
            "config": {"materialized": "table"}, "checksums": {"body": "ab"},
        });
        for entry in [now, before] {
            let n = super::old_node(&entry);
            assert_eq!(
                n.relation.map(|r| r.to_string()).as_deref(),
                Some("analytics.dim_users")
            );
            assert_eq!(n.checksums.and_then(|c| c.get("body").cloned()).as_deref(), Some("ab"));
            assert_eq!(n.materialized.as_deref(), Some("table"));
        }
        let test =
            json!({"schema": "analytics", "alias": "not_null_x", "relation_name": null, "resource_type": "test"});
        assert!(super::old_node(&test).relation.is_none());
        let unit = json!({"resource_type": "unit_test", "config": {"meta": {"mozt": {"checksums": {"yaml": "cd"}}}}});
        assert!(super::old_node(&unit).checksums.is_some_and(|c| c["yaml"] == "cd"));
    }
}
