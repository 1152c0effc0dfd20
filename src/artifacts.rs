//! The JSON artifacts under target/: manifest.json (nodes, configs, dependencies, compiled
//! paths) and run_results.json (status, timing, message per node). Secrets never appear here.

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::Path;

use crate::commands::Session;
use crate::compile::Compiled;
use crate::error::{Error, Result};
use crate::run::NodeResult;

fn metadata(session: &Session) -> Value {
    json!({
        "mozt_version": env!("CARGO_PKG_VERSION"),
        "generated_at": chrono::Utc::now().to_rfc3339(),
        "project_name": session.manifest.project_name,
        "target_name": session.target.name,
        "adapter_type": session.target.kind,
    })
}

pub fn write_manifest(session: &Session, compiled: &HashMap<usize, Compiled>) -> Result<()> {
    let m = &session.manifest;
    let mut nodes = Map::new();
    let mut child_map: Map<String, Value> = Map::new();
    let mut parent_map: Map<String, Value> = Map::new();
    let checksums = session.checksums();
    for (i, n) in m.nodes.iter().enumerate() {
        let mut v = serde_json::to_value(n).map_err(|e| Error::runtime(e.to_string()))?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("checksums".into(), json!(checksums[i]));
            obj.insert("raw_code".into(), Value::String(n.raw_code.clone()));
            obj.insert(
                "relation_name".into(),
                n.relation
                    .as_ref()
                    .map(|r| Value::String(r.to_string()))
                    .unwrap_or(Value::Null),
            );
            let path = compiled
                .get(&i)
                .map(|c| Value::String(crate::compile::display_path(&c.path)))
                .unwrap_or(Value::Null);
            obj.insert("compiled_path".into(), path);
            if let Some(lineage) = compiled.get(&i).and_then(|c| c.lineage.as_ref()) {
                obj.insert("columns_lineage".into(), crate::sql::lineage::to_json(lineage));
            }
            obj.insert("depends_on".into(), json!({ "nodes": n.depends_on }));
        }
        nodes.insert(n.unique_id.clone(), v);
        parent_map.insert(n.unique_id.clone(), json!(n.depends_on));
        for d in &n.depends_on {
            if let Some(Value::Array(a)) = child_map.get_mut(d) {
                a.push(Value::String(n.unique_id.clone()));
            } else {
                child_map.insert(d.clone(), json!([n.unique_id]));
            }
        }
    }
    let mut sources = Map::new();
    for s in &m.sources {
        let mut v = serde_json::to_value(s).map_err(|e| Error::runtime(e.to_string()))?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("relation_name".into(), Value::String(s.relation.to_string()));
            obj.insert("checksums".into(), json!(crate::state::checksum::of_source(s)));
        }
        sources.insert(s.unique_id.clone(), v);
    }
    let doc = json!({
        "metadata": metadata(session),
        "nodes": nodes,
        "sources": sources,
        "parent_map": parent_map,
        "child_map": child_map,
    });
    write(
        &session
            .project
            .root
            .join(&session.project.file.target_path)
            .join("manifest.json"),
        &doc,
        false,
    )
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
        true,
    )
}

/// Write a JSON artifact: indented when it is small enough to read (run_results.json), compact
/// when it grows with the project (manifest.json: a third of the size, and faster to write).
fn write(path: &Path, doc: &Value, pretty: bool) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::runtime(format!("cannot create {}: {e}", parent.display())))?;
    }
    let text = if pretty {
        serde_json::to_string_pretty(doc)
    } else {
        serde_json::to_string(doc)
    }
    .map_err(|e| Error::runtime(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))
}
