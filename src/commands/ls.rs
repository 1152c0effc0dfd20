//! `mozt ls`: the selected nodes, one per line.

use crate::error::{Error, Result};
use crate::graph::Key;
use crate::jinja::path_name;
use crate::run::output::say;

use crate::engine::{LoadOptions, Selection, Session};

/// What `mozt ls` prints per node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LsOutput {
    Selector,
    Name,
    Path,
    Json,
}

pub(crate) fn run(
    load: &LoadOptions,
    selection: &Selection,
    resource_types: &[String],
    output: LsOutput,
) -> Result<i32> {
    let session = Session::load(load)?;
    const KNOWN: &[&str] = &["model", "seed", "test", "unit_test", "snapshot", "source"];
    if let Some(bad) = resource_types.iter().find(|t| !KNOWN.contains(&t.as_str())) {
        return Err(
            Error::project(format!("unknown resource type '{bad}'")).help(format!("use one of: {}", KNOWN.join(", ")))
        );
    }
    let keys = session.select_keys(selection)?;
    let m = &session.manifest;
    for key in keys {
        let (kind, name, path, selector, json) = match key {
            Key::Node(i) => {
                let n = &m.nodes[i];
                let v = serde_json::json!({
                    "unique_id": n.unique_id, "name": n.name, "resource_type": n.resource_type.as_str(),
                    "original_file_path": path_name(&n.original_file_path), "config": n.config,
                    "depends_on": n.depends_on,
                });
                (
                    n.resource_type.as_str(),
                    n.name.clone(),
                    path_name(&n.original_file_path),
                    n.fqn.join("."),
                    v,
                )
            }
            Key::Source(i) => {
                let s = &m.sources[i];
                let v = serde_json::json!({
                    "unique_id": s.unique_id, "name": s.name, "source_name": s.source_name,
                    "resource_type": "source", "relation_name": s.relation.to_string(),
                });
                (
                    "source",
                    s.name.clone(),
                    path_name(&s.original_file_path),
                    format!("source:{}.{}.{}", m.project_name, s.source_name, s.name),
                    v,
                )
            }
        };
        if !resource_types.is_empty() && !resource_types.iter().any(|t| t == kind) {
            continue;
        }
        say(&match output {
            LsOutput::Selector => selector,
            LsOutput::Name => name,
            LsOutput::Path => path,
            LsOutput::Json => json.to_string(),
        });
    }
    Ok(0)
}
