//! The JSON artifacts under target/, in dbt's published schemas: manifest.json (v12: nodes,
//! configs, dependencies, compiled paths; mozt's checksums and column lineage in each entry's
//! `meta.mozt`), run_results.json (v6), sources.json (v3) and catalog.json (v1). Secrets never
//! appear here.

mod catalog;
mod manifest;
mod run_results;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::project::Target;

pub(crate) use catalog::write_catalog;
pub(crate) use manifest::write_manifest;
pub(crate) use run_results::write_run_results;

/// The dbt release whose artifact schemas (manifest v12, run_results v6, sources v3, catalog
/// v1) mozt's artifacts follow, as their `dbt_version`.
pub(crate) const DBT_VERSION: &str = "1.11.0";

/// What every artifact describes: the manifest, the target it was built for, and the folder
/// the artifacts go to (the project's target path).
pub struct Context<'a> {
    pub manifest: &'a Manifest,
    pub target: &'a Target,
    pub dir: PathBuf,
    pub threads: usize,
}

/// sources.json's schema (`mozt source freshness`).
pub(crate) const SOURCES_SCHEMA_VERSION: &str = "https://schemas.getdbt.com/dbt/sources/v3.json";

impl Context<'_> {
    /// The metadata of an artifact in dbt's schema `schema`: the fields every dbt artifact has,
    /// with mozt's version and the target's name in `env` (the one map the schemas leave open).
    pub fn dbt_metadata(&self, schema: &str) -> Value {
        json!({
            "dbt_schema_version": schema,
            "dbt_version": DBT_VERSION,
            "generated_at": chrono::Utc::now().to_rfc3339(),
            "invocation_id": null,
            "env": {
                "MOZT_VERSION": env!("CARGO_PKG_VERSION"),
                "MOZT_TARGET": self.target.name,
            },
        })
    }

    /// mozt's metadata of an artifact: its version, when, the project and the target.
    pub fn metadata(&self) -> Value {
        json!({
            "mozt_version": env!("CARGO_PKG_VERSION"),
            "generated_at": chrono::Utc::now().to_rfc3339(),
            "project_name": self.manifest.project_name,
            "target_name": self.target.name,
            "adapter_type": self.target.kind.as_str(),
        })
    }
}

/// Write a source freshness report (target/sources.json, or the path given).
pub(crate) fn write_sources(ctx: &Context<'_>, path: &Path, results: Vec<Value>, elapsed: f64) -> Result<()> {
    let doc = json!({
        "metadata": ctx.dbt_metadata(SOURCES_SCHEMA_VERSION),
        "results": results,
        "elapsed_time": elapsed,
    });
    write(path, &doc)
}

/// Write a JSON artifact, indented (manifest.json, which grows with the project, is written
/// compact by `manifest`).
fn write(path: &Path, doc: &Value) -> Result<()> {
    create_parent(path)?;
    let text = serde_json::to_string_pretty(doc).map_err(|e| Error::runtime(e.to_string()))?;
    crate::files::write_atomic(path, text.as_bytes())
        .map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::runtime(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}
