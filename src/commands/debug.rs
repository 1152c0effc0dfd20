//! `mozt debug`: show the resolved target (secrets masked) and check the connection.

use serde_json::Value;

use crate::adapter;
use crate::engine::LoadOptions;
use crate::error::Result;
use crate::project::Project;
use crate::project::target::SECRET_KEYS;
use crate::run::output::say;

pub(crate) fn run(load: &LoadOptions) -> Result<i32> {
    let project = Project::load_with(&load.project_dir, &load.profiles)?;
    say(&format!(
        "project: {} ({})",
        project.name(),
        project.root.join(&project.file_path).display()
    ));
    let target = project.resolve_target(load.target.as_deref())?;
    say(&format!("target: {} (type {})", target.name, target.kind));
    for (k, v) in &target.settings {
        let shown = if SECRET_KEYS.contains(&k.as_str()) {
            "********".to_string()
        } else {
            match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        };
        say(&format!("  {k}: {shown}"));
    }
    let adapter = adapter::for_target(&target, &project.root)?;
    let mut conn = adapter.connect()?;
    let rows = conn.query(adapter.version_query())?;
    let version = rows
        .rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .unwrap_or(Value::Null);
    say(&format!(
        "connection: OK ({} {})",
        target.kind,
        version.as_str().unwrap_or("")
    ));
    Ok(0)
}
