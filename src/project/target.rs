//! Targets: where a run goes (`type: duckdb` or `type: snowflake`), read from project.yml's
//! `targets:` with `env_var()` rendered, for the selected target only (a missing env var of
//! the prod target must not break a dev run).

use serde_json::{Map, Value};
use std::path::Path;

use super::AdapterKind;
use crate::error::{Error, Location, Result, line_of};

/// Keys whose values are never printed, logged or written to an artifact.
pub const SECRET_KEYS: &[&str] = &[
    "password",
    "private_key",
    "private_key_passphrase",
    "token",
    "passphrase",
];

#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// The warehouse (`type:`).
    pub kind: AdapterKind,
    pub schema: String,
    pub database: Option<String>,
    pub threads: usize,
    pub settings: Map<String, Value>,
}

impl Target {
    /// The target as templates see it (`target.name`, `target.type`, ...), secrets removed.
    pub fn public(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (k, v) in &self.settings {
            if !SECRET_KEYS.contains(&k.as_str()) {
                m.insert(k.clone(), v.clone());
            }
        }
        m.insert("name".into(), Value::String(self.name.clone()));
        m.insert("type".into(), Value::String(self.kind.as_str().into()));
        m.insert("schema".into(), Value::String(self.schema.clone()));
        m.insert(
            "database".into(),
            self.database.clone().map(Value::String).unwrap_or(Value::Null),
        );
        m.insert("threads".into(), Value::from(self.threads));
        m
    }

    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.get(key).and_then(Value::as_str)
    }
}

/// Pick and resolve a target from project.yml's `targets:` map.
pub fn resolve(
    targets: &indexmap::IndexMap<String, Value>,
    requested: Option<&str>,
    project_path: &Path,
    project_text: &str,
) -> Result<Target> {
    let at = |needle: &str| Location::at(project_path, line_of(project_text, needle).unwrap_or(1));
    let default = targets.get("default").and_then(Value::as_str);
    let names: Vec<&str> = targets.keys().map(String::as_str).filter(|k| *k != "default").collect();
    let name = match (requested, default) {
        (Some(n), _) => n.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) if names.len() == 1 => names[0].to_string(),
        (None, None) if names.is_empty() => {
            return Ok(Target {
                name: "dev".into(),
                kind: AdapterKind::DuckDb,
                schema: "main".into(),
                database: None,
                threads: 4,
                settings: Map::from_iter([("path".to_string(), Value::String("target/dev.duckdb".into()))]),
            });
        }
        (None, None) => {
            return Err(Error::project("project.yml has several targets and no `default:`")
                .at(at("targets"))
                .help(format!(
                    "add `default: {}` under `targets:`, or pass --target",
                    names[0]
                )));
        }
    };
    let Some(raw) = targets.get(&name).filter(|_| name != "default") else {
        return Err(Error::project(format!("target '{name}' is not defined in project.yml"))
            .at(at("targets"))
            .help(format!("defined targets: {}", names.join(", "))));
    };
    let Some(obj) = raw.as_object() else {
        return Err(
            Error::project(format!("target '{name}' must be a mapping of settings")).at(at(&format!("{name}:")))
        );
    };
    let mut settings = Map::new();
    for (k, v) in obj {
        let rendered = render_value(v).map_err(|e| {
            let mut err = Error::project(format!("in target '{name}', setting '{k}': {e}")).at(at(&format!("{k}:")));
            if e.contains("env var") {
                err = err.help("set the environment variable, or give env_var() a default: env_var('NAME', 'default')");
            }
            err.with_source_line(project_text)
        })?;
        settings.insert(k.clone(), rendered);
    }
    let type_name = settings.get("type").and_then(Value::as_str).unwrap_or("");
    let Ok(kind) = type_name.parse::<AdapterKind>() else {
        return Err(Error::project(format!(
            "target '{name}' has type '{type_name}'; mozt supports duckdb and snowflake"
        ))
        .at(at(&format!("{name}:")))
        .help("set `type: duckdb` or `type: snowflake`"));
    };
    let schema = settings
        .get("schema")
        .and_then(Value::as_str)
        .unwrap_or("main")
        .to_string();
    let threads = match settings.get("threads") {
        None => 4,
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Error::project(format!("target '{name}': threads must be a positive whole number")).at(at("threads:"))
            })? as usize,
    };
    let mut database = settings.get("database").and_then(Value::as_str).map(str::to_string);
    if kind == AdapterKind::DuckDb && database.is_none() {
        database = Some(duckdb_catalog_name(
            settings.get("path").and_then(Value::as_str).unwrap_or(":memory:"),
        ));
    }
    Ok(Target {
        name,
        kind,
        schema,
        database,
        threads,
        settings,
    })
}

/// DuckDB names a database file's catalog after the file stem (`target/dev.duckdb` -> `dev`).
pub fn duckdb_catalog_name(path: &str) -> String {
    if path == ":memory:" || path.is_empty() {
        return "memory".into();
    }
    Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("memory")
        .to_string()
}

/// Render `{{ env_var('X') }}` inside a target setting.
fn render_value(v: &Value) -> std::result::Result<Value, String> {
    match v {
        Value::String(s) if s.contains("{{") || s.contains("{%") => {
            let env = super::env::settings_env();
            env.render_str(s, ())
                .map(Value::String)
                .map_err(|e| e.detail().map(str::to_string).unwrap_or_else(|| e.to_string()))
        }
        other => Ok(other.clone()),
    }
}
