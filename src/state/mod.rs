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
        for (id, n) in nodes.iter().chain(sources.into_iter().flatten()) {
            let checksums = n.get("checksums").and_then(Value::as_object).map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            });
            let relation = n.get("relation").and_then(|r| {
                Some(Relation::new(
                    r.get("database").and_then(Value::as_str).map(str::to_string),
                    r.get("schema")?.as_str()?,
                    r.get("identifier")?.as_str()?,
                ))
            });
            out.nodes.insert(
                id.clone(),
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
                },
            );
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

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::project(format!("cannot read {}: {e}", path.display())).at(Location::file(path)))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::project(format!("{} is not valid JSON: {e}", path.display()))
            .at(Location::at(path, e.line()))
            .help("use the manifest.json and run_results.json that mozt wrote, unchanged")
    })
}
