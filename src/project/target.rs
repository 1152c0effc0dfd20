//! Targets: where a run goes (`type: duckdb` or `type: snowflake`), read from project.yml's
//! `targets:` with `env_var()` rendered, for the selected target only (a missing env var of
//! the prod target must not break a dev run).

use serde_json::{Map, Value};
use std::path::Path;

use super::AdapterKind;
use crate::error::{Error, Location, Result, line_of};

pub use crate::error::SECRET_KEYS;

#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// The warehouse (`type:`).
    pub kind: AdapterKind,
    pub schema: String,
    pub database: Option<String>,
    pub threads: usize,
    pub settings: Map<String, Value>,
    /// The SQL dialect the models are written in, when it is not the warehouse's own
    /// (`dialect: snowflake` on a DuckDB target): compiled SQL is translated before it runs
    /// (docs/snowflake-on-duckdb.md).
    pub dialect: Option<AdapterKind>,
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
        m.insert("type".into(), Value::String(self.jinja_type().as_str().into()));
        m.insert("schema".into(), Value::String(self.schema.clone()));
        m.insert(
            "database".into(),
            self.database.clone().map(Value::String).unwrap_or(Value::Null),
        );
        m.insert("threads".into(), Value::from(self.threads));
        m
    }

    /// The warehouse type templates see (`target.type`, `adapter.type()`, the prefix
    /// `adapter.dispatch` tries first): the dialect the models are written in, so that a
    /// package's `{% if target.type == 'snowflake' %}` writes the SQL the translation reads.
    pub fn jinja_type(&self) -> AdapterKind {
        self.dialect.unwrap_or(self.kind)
    }

    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.get(key).and_then(Value::as_str)
    }
}

/// Settings every target has, whatever its warehouse.
const COMMON_KEYS: &[&str] = &["type", "schema", "database", "threads"];
const DUCKDB_KEYS: &[&str] = &["path", "duckdb_threads", "dialect"];
/// What the Snowflake adapter reads (src/adapter/snowflake/mod.rs).
const SNOWFLAKE_KEYS: &[&str] = &[
    "account",
    "user",
    "password",
    "private_key",
    "private_key_path",
    "private_key_passphrase",
    "authenticator",
    "role",
    "warehouse",
    "query_tag",
    "host",
    "port",
    "protocol",
    "base_url",
    "session_parameters",
    "connect_timeout",
    "query_timeout",
];

/// The connection settings mozt reads for a warehouse.
pub fn connection_keys(kind: AdapterKind) -> impl Iterator<Item = &'static str> + Clone {
    let own = match kind {
        AdapterKind::DuckDb => DUCKDB_KEYS,
        AdapterKind::Snowflake => SNOWFLAKE_KEYS,
    };
    COMMON_KEYS.iter().chain(own).copied()
}

/// Pick and resolve a target from project.yml's `targets:` map.
pub fn resolve(
    targets: &indexmap::IndexMap<String, Value>,
    requested: Option<&str>,
    project_path: &Path,
    project_text: &str,
) -> Result<Target> {
    let yml = ProjectYml {
        path: project_path,
        text: project_text,
    };
    let Some(name) = target_name(targets, requested, &yml)? else {
        return Ok(default_target());
    };
    let settings = rendered_settings(targets, &name, &yml)?;
    let key_line = |key: &str| {
        super::yaml_lines::key_line(project_text, &["targets", &name, key])
            .unwrap_or_else(|| yml.at(&name).line.unwrap_or(1))
    };
    from_settings(name.clone(), settings, &|key: &str| {
        Location::at(project_path, key_line(key))
    })
}

/// A target from its settings (`env_var()` rendered, named as mozt's adapters read them):
/// its warehouse, schema, database and threads. `locate(key)` is where a key is written. A
/// key the warehouse's adapter does not read is an error: a misspelt `path:` would otherwise
/// build into an in-memory database and report success.
pub fn from_settings(name: String, settings: Map<String, Value>, locate: &dyn Fn(&str) -> Location) -> Result<Target> {
    let kind = adapter_kind(&settings, &name, locate)?;
    for key in settings.keys() {
        if !connection_keys(kind).any(|k| k == key) {
            return Err(super::keys::unknown_key_error(
                locate(key),
                key,
                &format!("the {kind} connection settings of target '{name}'"),
                connection_keys(kind),
            ));
        }
    }
    check_authenticator(&settings, &name, locate)?;
    let dialect = dialect(&settings, kind, &name, locate)?;
    let text_of = |key: &str| match settings.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let schema = text_of("schema").unwrap_or_else(|| "main".into());
    let threads = threads(&settings, &name, locate)?;
    let mut database = text_of("database");
    if kind == AdapterKind::DuckDb {
        let path = text_of("path").unwrap_or_else(|| ":memory:".into());
        let catalog = duckdb_catalog_name(&path);
        match &database {
            None => database = Some(catalog),
            Some(db) if *db != catalog => {
                return Err(Error::project(format!(
                    "target '{name}': database '{db}' is not the catalog of path '{path}' ('{catalog}')"
                ))
                .at(locate("database"))
                .help("DuckDB names a file's catalog after the file: remove `database:` or make it match"));
            }
            Some(_) => {}
        }
    }
    Ok(Target {
        name,
        kind,
        schema,
        database,
        threads,
        settings,
        dialect,
    })
}

/// project.yml, for pointing errors at the line they are about.
struct ProjectYml<'a> {
    path: &'a Path,
    text: &'a str,
}

impl ProjectYml<'_> {
    /// The first line holding `needle` (the first line when none does).
    fn at(&self, needle: &str) -> Location {
        Location::at(self.path, line_of(self.text, needle).unwrap_or(1))
    }
}

/// The target to use: the requested one, else `default:`, else the only one. None when
/// project.yml defines no target (the built-in `dev`).
fn target_name(
    targets: &indexmap::IndexMap<String, Value>,
    requested: Option<&str>,
    yml: &ProjectYml<'_>,
) -> Result<Option<String>> {
    let default = targets.get("default").and_then(Value::as_str);
    let names: Vec<&str> = targets.keys().map(String::as_str).filter(|k| *k != "default").collect();
    let name = match (requested, default) {
        (Some(n), _) => n.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) if names.len() == 1 => names[0].to_string(),
        (None, None) if names.is_empty() => return Ok(None),
        (None, None) => {
            return Err(Error::project("project.yml has several targets and no `default:`")
                .at(yml.at("targets"))
                .help(format!(
                    "add `default: {}` under `targets:`, or pass --target",
                    names[0]
                )));
        }
    };
    if name == "default" || !targets.contains_key(&name) {
        return Err(Error::project(format!("target '{name}' is not defined in project.yml"))
            .at(yml.at("targets"))
            .help(format!("defined targets: {}", names.join(", "))));
    }
    Ok(Some(name))
}

/// The target of a project.yml without `targets:`: DuckDB in target/dev.duckdb.
fn default_target() -> Target {
    Target {
        name: "dev".into(),
        kind: AdapterKind::DuckDb,
        schema: "main".into(),
        database: None,
        threads: 4,
        settings: Map::from_iter([("path".to_string(), Value::String("target/dev.duckdb".into()))]),
        dialect: None,
    }
}

/// The target's settings, with `env_var()` rendered.
fn rendered_settings(
    targets: &indexmap::IndexMap<String, Value>,
    name: &str,
    yml: &ProjectYml<'_>,
) -> Result<Map<String, Value>> {
    let Some(obj) = targets.get(name).and_then(Value::as_object) else {
        return Err(
            Error::project(format!("target '{name}' must be a mapping of settings")).at(yml.at(&format!("{name}:")))
        );
    };
    let mut settings = Map::new();
    for (k, v) in obj {
        let rendered = render_value(v, 0).map_err(|e| {
            let mut err =
                Error::project(format!("in target '{name}', setting '{k}': {e}")).at(yml.at(&format!("{k}:")));
            if e.contains("env var") {
                err = err.help("set the environment variable, or give env_var() a default: env_var('NAME', 'default')");
            }
            err.with_source_line(yml.text)
        })?;
        settings.insert(k.clone(), rendered);
    }
    Ok(settings)
}

/// The warehouse the target's `type:` names.
fn adapter_kind(settings: &Map<String, Value>, name: &str, locate: &dyn Fn(&str) -> Location) -> Result<AdapterKind> {
    let type_name = settings.get("type").and_then(Value::as_str).unwrap_or("");
    type_name.parse::<AdapterKind>().map_err(|_| {
        Error::project(format!(
            "target '{name}' has type '{type_name}'; mozt supports duckdb and snowflake"
        ))
        .at(locate("type"))
        .help("set `type: duckdb` or `type: snowflake`")
    })
}

/// A DuckDB target's `dialect:`: `snowflake` (models written in Snowflake SQL, translated), or
/// `duckdb` (the default, nothing translated).
fn dialect(
    settings: &Map<String, Value>,
    kind: AdapterKind,
    name: &str,
    locate: &dyn Fn(&str) -> Location,
) -> Result<Option<AdapterKind>> {
    let Some(v) = settings.get("dialect") else {
        return Ok(None);
    };
    let written = v.as_str().unwrap_or_default().trim().to_ascii_lowercase();
    match written.parse::<AdapterKind>() {
        Ok(d) if d == kind => Ok(None),
        Ok(d) => Ok(Some(d)),
        Err(_) => Err(Error::project(format!(
            "target '{name}': dialect '{}' is not one mozt reads; it translates snowflake",
            v.as_str().unwrap_or_default()
        ))
        .at(locate("dialect"))
        .help("set `dialect: snowflake` (models written in Snowflake SQL) or remove `dialect:`")),
    }
}

/// `threads:`, a positive whole number (4 when not set).
fn threads(settings: &Map<String, Value>, name: &str, locate: &dyn Fn(&str) -> Location) -> Result<usize> {
    let Some(v) = settings.get("threads") else {
        return Ok(4);
    };
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .filter(|n| *n > 0)
        .map(|n| n as usize)
        .ok_or_else(|| {
            Error::project(format!("target '{name}': threads must be a positive whole number")).at(locate("threads"))
        })
}

/// dbt-snowflake's `authenticator`: mozt logs in with a password or a key pair only.
fn check_authenticator(settings: &Map<String, Value>, name: &str, locate: &dyn Fn(&str) -> Location) -> Result<()> {
    let Some(auth) = settings.get("authenticator").and_then(Value::as_str) else {
        return Ok(());
    };
    match auth.trim().to_ascii_lowercase().as_str() {
        "" | "snowflake" | "snowflake_jwt" => Ok(()),
        _ => Err(Error::project(format!(
            "target '{name}': authenticator '{}' is not supported; mozt logs in with a password or a key pair",
            if auth.starts_with("http") { "<url>" } else { auth }
        ))
        .at(locate("authenticator"))
        .help("use key-pair auth (private_key_path, authenticator: snowflake_jwt) or a password")),
    }
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

/// Render `{{ env_var(...) }}` in every string of a setting; nested mappings and lists (a
/// profile's `session_parameters`) are rendered down to a bounded depth.
pub(super) fn render_value(v: &Value, depth: usize) -> std::result::Result<Value, String> {
    const MAX_DEPTH: usize = 32;
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    Ok(match v {
        Value::String(s) if s.contains("{{") || s.contains("{%") => Value::String({
            super::template_depth::refuse(s)?;
            super::env::settings_env()
                .render_str(s, ())
                .map_err(|e| e.detail().map(str::to_string).unwrap_or_else(|| e.to_string()))?
        }),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_value(i, depth + 1))
                .collect::<std::result::Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), render_value(v, depth + 1)?)))
                .collect::<std::result::Result<Map<_, _>, String>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolve `requested` from a project.yml text (its `targets:` map).
    fn resolve_in(text: &str, requested: Option<&str>) -> Result<Target> {
        let file: Value = serde_yaml_ng::from_str(text).expect("valid YAML");
        let targets: indexmap::IndexMap<String, Value> =
            serde_json::from_value(file["targets"].clone()).unwrap_or_default();
        resolve(&targets, requested, Path::new("project.yml"), text)
    }

    fn error_at(text: &str, requested: Option<&str>) -> (String, Option<usize>) {
        let err = resolve_in(text, requested).expect_err("an error");
        (err.message, err.location.and_then(|l| l.line))
    }

    #[test]
    fn without_targets_the_built_in_dev_target() {
        let t = resolve_in("name: p\n", None).expect("resolves");
        assert_eq!((t.name.as_str(), t.kind, t.threads), ("dev", AdapterKind::DuckDb, 4));
        assert_eq!(t.setting("path"), Some("target/dev.duckdb"));
        assert_eq!(t.database, None);
    }

    #[test]
    fn the_requested_the_default_or_the_only_target() {
        let two = "name: p\ntargets:\n  default: a\n  a: {type: duckdb, path: target/a.duckdb}\n  b: {type: snowflake, schema: s, database: DB, threads: '8'}\n";
        let a = resolve_in(two, None).expect("default");
        assert_eq!(
            (a.name.as_str(), a.kind, a.database.as_deref()),
            ("a", AdapterKind::DuckDb, Some("a"))
        );
        assert_eq!(a.schema, "main");
        let b = resolve_in(two, Some("b")).expect("requested");
        assert_eq!((b.kind, b.schema.as_str(), b.threads), (AdapterKind::Snowflake, "s", 8));
        assert_eq!(b.public()["type"], "snowflake");
        let one = "name: p\ntargets:\n  only: {type: duckdb}\n";
        assert_eq!(resolve_in(one, None).expect("only").database.as_deref(), Some("memory"));
    }

    #[test]
    fn errors_name_the_line() {
        let several = "name: p\ntargets:\n  a: {type: duckdb}\n  b: {type: duckdb}\n";
        assert_eq!(
            error_at(several, None),
            ("project.yml has several targets and no `default:`".into(), Some(2))
        );
        assert_eq!(
            error_at(several, Some("default")).0,
            "target 'default' is not defined in project.yml"
        );
        assert_eq!(
            error_at(several, Some("c")).0,
            "target 'c' is not defined in project.yml"
        );
        let scalar = "name: p\ntargets:\n  a: duckdb\n";
        assert_eq!(
            error_at(scalar, None),
            ("target 'a' must be a mapping of settings".into(), Some(3))
        );
        let typo = "name: p\ntargets:\n  a:\n    type: DuckDB\n";
        assert_eq!(
            error_at(typo, None),
            (
                "target 'a' has type 'DuckDB'; mozt supports duckdb and snowflake".into(),
                Some(4)
            )
        );
        let threads = "name: p\ntargets:\n  a:\n    type: duckdb\n    threads: 0\n";
        assert_eq!(
            error_at(threads, None),
            ("target 'a': threads must be a positive whole number".into(), Some(5))
        );
    }

    #[test]
    fn an_unknown_connection_setting_is_an_error_naming_the_closest_one() {
        // `pth:` used to build into an in-memory database and report success.
        let typo = "name: p\ntargets:\n  dev:\n    type: duckdb\n    pth: target/dev.duckdb\n";
        let err = resolve_in(typo, None).expect_err("an error");
        assert_eq!(
            err.message,
            "unknown key `pth` in the duckdb connection settings of target 'dev'; did you mean `path`?"
        );
        assert_eq!(err.location.as_ref().and_then(|l| l.line), Some(5));
        assert_eq!(err.exit_code(), crate::error::EXIT_PROJECT);
        let sf = "name: p\ntargets:\n  sf:\n    type: snowflake\n    acount: x\n";
        let err = resolve_in(sf, None).expect_err("an error");
        assert!(err.message.contains("did you mean `account`?"), "{}", err.message);
        // A DuckDB setting on a Snowflake target is unknown there too.
        let wrong = "name: p\ntargets:\n  sf:\n    type: snowflake\n    path: x.duckdb\n";
        assert!(resolve_in(wrong, None).is_err());
    }
}
