//! The JSON artifacts under target/: manifest.json (nodes, configs, dependencies, compiled
//! paths) and run_results.json (status, timing, message per node). Secrets never appear here.

mod manifest;

use serde_json::{Value, json};
use std::path::Path;

use crate::commands::Session;
use crate::error::{Error, Result};
use crate::run::NodeResult;

pub use manifest::write_manifest;

fn metadata(session: &Session) -> Value {
    json!({
        "mozt_version": env!("CARGO_PKG_VERSION"),
        "generated_at": chrono::Utc::now().to_rfc3339(),
        "project_name": session.manifest.project_name,
        "target_name": session.target.name,
        "adapter_type": session.target.kind,
    })
}

pub fn write_run_results(session: &Session, results: &[NodeResult], elapsed: f64) -> Result<()> {
    let doc = json!({
        "metadata": metadata(session),
        "elapsed_time": elapsed,
        "args": { "target": session.target.name, "threads": session.threads },
        "results": results,
    });
    write(
        &session
            .project
            .root
            .join(&session.project.file.target_path)
            .join("run_results.json"),
        &doc,
    )
}

/// Write a JSON artifact, indented (manifest.json, which grows with the project, is written
/// compact by `manifest`).
fn write(path: &Path, doc: &Value) -> Result<()> {
    create_parent(path)?;
    let text = serde_json::to_string_pretty(doc).map_err(|e| Error::runtime(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::runtime(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}
