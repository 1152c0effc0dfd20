//! The JSON artifacts under target/: manifest.json (nodes, configs, dependencies, compiled
//! paths) and run_results.json (status, timing, message per node). Secrets never appear here.

mod manifest;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::project::Target;
use crate::run::NodeResult;

pub(crate) use manifest::write_manifest;

/// What every artifact describes: the manifest, the target it was built for, and the folder
/// the artifacts go to (the project's target path).
pub struct Context<'a> {
    pub manifest: &'a Manifest,
    pub target: &'a Target,
    pub dir: PathBuf,
    pub threads: usize,
}

impl Context<'_> {
    fn metadata(&self) -> Value {
        json!({
            "mozt_version": env!("CARGO_PKG_VERSION"),
            "generated_at": chrono::Utc::now().to_rfc3339(),
            "project_name": self.manifest.project_name,
            "target_name": self.target.name,
            "adapter_type": self.target.kind.as_str(),
        })
    }
}

/// Write target/run_results.json: every node's status, timing and message.
pub(crate) fn write_run_results(ctx: &Context<'_>, results: &[NodeResult], elapsed: f64) -> Result<()> {
    let doc = json!({
        "metadata": ctx.metadata(),
        "elapsed_time": elapsed,
        "args": { "target": ctx.target.name, "threads": ctx.threads },
        "results": results,
    });
    write(&ctx.dir.join("run_results.json"), &doc)
}

/// Write a source freshness report (target/sources.json, or the path given).
pub(crate) fn write_sources(ctx: &Context<'_>, path: &Path, results: Vec<Value>, elapsed: f64) -> Result<()> {
    let doc = json!({
        "metadata": ctx.metadata(),
        "elapsed_time": elapsed,
        "results": results,
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
