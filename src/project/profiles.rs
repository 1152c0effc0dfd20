//! dbt's `profiles.yml`: found where dbt looks for it (`--profiles-dir`, `DBT_PROFILES_DIR`,
//! the project folder, `~/.dbt/`), one profile picked (`--profile`, else dbt_project.yml's
//! `profile:`), one of its outputs picked (`--target`, else the profile's `target:`), its
//! `env_var()`s rendered, and its dbt-duckdb or dbt-snowflake fields mapped onto the settings
//! mozt's adapters read. Only the selected output is rendered: a missing env var of the prod
//! output must not break a dev run. Values are never shown in messages (they hold secrets).

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

use super::AdapterKind;
use super::dbt_project::{DBT_PROJECT_FILE, DbtLayout};
use super::target::Target;
use super::yaml_lines::key_line;
use crate::error::{Error, Location, Result};

pub const PROFILES_FILE: &str = "profiles.yml";

/// `--profiles-dir` and `--profile`.
#[derive(Debug, Clone, Default)]
pub struct ProfileOptions {
    /// A folder holding profiles.yml (default: `DBT_PROFILES_DIR`, the project folder, `~/.dbt`).
    pub profiles_dir: Option<PathBuf>,
    /// The profile to use instead of dbt_project.yml's `profile:`.
    pub profile: Option<String>,
}

/// How a dbt field of an output that mozt's adapters do not read is treated (the fields
/// they read, [`super::target::connection_keys`], pass through under the same names).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    /// Not acted on; a warning says why.
    Ignored(&'static str),
    /// Not acted on, and a run without it would not be the run dbt does: an error.
    Refused(&'static str),
}

use Field::{Ignored, Refused};

/// dbt-duckdb's fields beyond path/schema/database/threads (`settings` is read one by one in
/// `duckdb_settings`).
const DUCKDB: &[(&str, Field)] = &[
    (
        "extensions",
        Ignored("mozt does not install or load DuckDB extensions; DuckDB autoloads its core ones"),
    ),
    (
        "attach",
        Refused("mozt does not attach other databases yet; models reading them would fail or read other data"),
    ),
    ("external_root", Ignored("mozt has no `external` materialization")),
    ("filesystems", Ignored("mozt registers no fsspec filesystems")),
    ("secrets", Ignored("mozt creates no DuckDB secrets")),
    ("plugins", Ignored("mozt runs no dbt-duckdb plugins")),
    ("module_paths", Ignored("mozt runs no Python")),
    ("use_credential_provider", Ignored("mozt loads no credential provider")),
    ("disable_transactions", Ignored("mozt decides transactions itself")),
    ("keep_open", Ignored("mozt keeps its connection open for the whole run")),
    ("retries", Ignored("mozt does not retry failed statements")),
    ("config_options", Ignored("mozt opens DuckDB with its defaults")),
];

/// DuckDB settings that only change speed or memory, never results.
const DUCKDB_RESOURCE_SETTINGS: &[&str] = &[
    "memory_limit",
    "max_memory",
    "temp_directory",
    "max_temp_directory_size",
    "preserve_insertion_order",
    "enable_progress_bar",
    "enable_object_cache",
    "external_threads",
];

/// dbt-snowflake's fields that mozt's Snowflake adapter does not read.
const SNOWFLAKE: &[(&str, Field)] = &[
    (
        "client_session_keep_alive",
        Ignored("mozt logs in again when its session expires"),
    ),
    ("connect_retries", Ignored("mozt does not retry a failed login")),
    (
        "retry_on_database_errors",
        Ignored("mozt does not retry failed statements"),
    ),
    ("retry_all", Ignored("mozt does not retry failed statements")),
    ("reuse_connections", Ignored("mozt keeps one session per worker")),
    ("insecure_mode", Ignored("mozt always checks certificates")),
    ("proxy_host", Ignored("mozt uses no proxy setting")),
    ("proxy_port", Ignored("mozt uses no proxy setting")),
    ("s3_stage_vpce_dns_name", Ignored("mozt does not stage files to S3")),
    (
        "platform_detection_timeout_seconds",
        Ignored("mozt does not detect the platform"),
    ),
    ("token", Refused("it is used with OAuth, which mozt does not support")),
    (
        "oauth_client_id",
        Refused("it is used with OAuth, which mozt does not support"),
    ),
    (
        "oauth_client_secret",
        Refused("it is used with OAuth, which mozt does not support"),
    ),
];

/// profiles.yml as found: where it is and how messages name it.
struct ProfilesFile {
    path: PathBuf,
    shown: PathBuf,
    text: String,
}

/// Find profiles.yml for the project in `root` the way dbt does.
fn find(root: &Path, options: &ProfileOptions) -> Result<ProfilesFile> {
    let mut searched = vec![];
    let explicit = options.profiles_dir.clone().map(|d| (d, "--profiles-dir")).or_else(|| {
        std::env::var_os("DBT_PROFILES_DIR")
            .filter(|v| !v.is_empty())
            .map(|d| (PathBuf::from(d), "DBT_PROFILES_DIR"))
    });
    let candidates: Vec<PathBuf> = match &explicit {
        Some((dir, from)) => {
            let path = dir.join(PROFILES_FILE);
            if !path.is_file() {
                return Err(Error::project(format!(
                    "no {PROFILES_FILE} in {} (given by {from})",
                    dir.display()
                ))
                .help(format!(
                    "point {from} at the folder that holds profiles.yml, or unset it to use the project folder or ~/.dbt/"
                )));
            }
            vec![path]
        }
        None => {
            let mut c = vec![root.join(PROFILES_FILE)];
            if let Some(home) = std::env::var_os("HOME") {
                c.push(Path::new(&home).join(".dbt").join(PROFILES_FILE));
            }
            c
        }
    };
    for path in candidates {
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let shown = if path == root.join(PROFILES_FILE) {
                PathBuf::from(PROFILES_FILE)
            } else {
                path.clone()
            };
            return Ok(ProfilesFile { path, shown, text });
        }
        searched.push(path.display().to_string());
    }
    Err(Error::project(format!(
        "no {PROFILES_FILE} found for this dbt project (looked in: {})",
        searched.join(", ")
    ))
    .help("create profiles.yml in the project folder or ~/.dbt/, or pass --profiles-dir / set DBT_PROFILES_DIR"))
}

/// profiles.yml read: its location for messages, its text and its profiles.
struct Profiles {
    shown: PathBuf,
    text: String,
    doc: Map<String, Value>,
}

impl Profiles {
    fn at(&self, path: &[&str]) -> Location {
        Location::at(&self.shown, key_line(&self.text, path).unwrap_or(1))
    }

    fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.doc.keys().filter(|k| *k != "config").map(String::as_str)
    }
}

fn read(root: &Path, options: &ProfileOptions) -> Result<Profiles> {
    let file = find(root, options)?;
    let doc: Value = serde_yaml_ng::from_str(&file.text).map_err(|e| {
        let mut err = crate::error::yaml_error(&file.shown, &e, &file.text);
        // The line may hold a password: never shown.
        err.snippet = None;
        err
    })?;
    let Value::Object(doc) = doc else {
        return Err(
            Error::project(format!("{} must be a mapping of profile names", file.shown.display()))
                .in_file(&file.shown)
                .help("write `my_profile: {target: dev, outputs: {dev: {type: duckdb, ...}}}`"),
        );
    };
    tracing::debug!("profiles from {}", file.path.display());
    let profiles = Profiles {
        shown: file.shown,
        text: file.text,
        doc,
    };
    if profiles.doc.contains_key("config") {
        tracing::warn!(
            "{}: `config:` in profiles.yml is ignored (dbt 1.8 moved it to `flags:` in dbt_project.yml)",
            profiles.at(&["config"])
        );
    }
    Ok(profiles)
}

/// The target for a dbt-layout project: `requested` (`--target`) or the profile's `target:`.
pub fn resolve(root: &Path, layout: &DbtLayout, project_text: &str, requested: Option<&str>) -> Result<Target> {
    let profiles = read(root, &layout.options)?;
    let (profile_name, profile) = pick_profile(&profiles, layout, project_text)?;
    let (target_name, output) = pick_output(&profiles, &profile_name, profile, requested)?;
    let key_at = |key: &str| profiles.at(&[&profile_name, "outputs", &target_name, key]);
    let mut settings = Map::new();
    for (k, v) in output {
        let rendered = super::target::render_value(v, 0).map_err(|e| {
            let mut err = Error::project(format!("in output '{target_name}', setting '{k}': {e}")).at(key_at(k));
            if e.contains("env var") {
                err = err.help("set the environment variable, or give env_var() a default: env_var('NAME', 'default')");
            }
            err
        })?;
        settings.insert(k.clone(), rendered);
    }
    let settings = dbt_fields(settings, &target_name, &key_at)?;
    let target = super::target::from_settings(target_name.clone(), settings, &key_at)?;
    if target.kind == AdapterKind::Snowflake && layout.quoting.any_on() {
        return Err(Error::project(
            "`quoting:` turns quoting on, which makes Snowflake names case-sensitive; mozt quotes a name only where Snowflake needs it",
        )
        .at(Location::at(
            DBT_PROJECT_FILE,
            key_line(project_text, &["quoting"]).unwrap_or(1),
        ))
        .help("remove `quoting:` (dbt-snowflake's default is no quoting) or set its keys to false"));
    }
    Ok(target)
}

/// The profile `--profile` or dbt_project.yml's `profile:` names.
fn pick_profile<'a>(
    profiles: &'a Profiles,
    layout: &DbtLayout,
    project_text: &str,
) -> Result<(String, &'a Map<String, Value>)> {
    let shown = profiles.shown.display();
    let (profile_name, from_flag) = match (&layout.options.profile, &layout.profile) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(p)) => (p.clone(), false),
        (None, None) => {
            return Err(Error::project("dbt_project.yml names no `profile:`")
                .in_file(DBT_PROJECT_FILE)
                .help(format!(
                    "add `profile: NAME` to dbt_project.yml or pass --profile; profiles in {shown}: {}",
                    profiles.names().collect::<Vec<_>>().join(", ")
                )));
        }
    };
    let Some(profile) = profiles.doc.get(&profile_name).filter(|_| profile_name != "config") else {
        let mut err = Error::project(format!("profile '{profile_name}' is not in {shown}"));
        if !from_flag {
            err = err.at(Location::at(
                DBT_PROJECT_FILE,
                key_line(project_text, &["profile"]).unwrap_or(1),
            ));
        }
        return Err(err.help(names_hint(&profile_name, profiles.names(), "profiles")));
    };
    let Some(profile) = profile.as_object() else {
        return Err(Error::project(format!("profile '{profile_name}' must be a mapping"))
            .at(profiles.at(&[&profile_name]))
            .help("write `target: dev` and `outputs:` under the profile"));
    };
    for key in profile.keys().filter(|k| !matches!(k.as_str(), "target" | "outputs")) {
        let line = key_line(&profiles.text, &[&profile_name, key]).unwrap_or(1);
        super::keys::warn_unknown(
            &profiles.shown,
            line,
            key,
            &format!("profile '{profile_name}'"),
            ["target", "outputs"].into_iter(),
        );
    }
    Ok((profile_name, profile))
}

/// The output `--target` or the profile's `target:` names (dbt's `default` without either).
fn pick_output<'a>(
    profiles: &Profiles,
    profile_name: &str,
    profile: &'a Map<String, Value>,
    requested: Option<&str>,
) -> Result<(String, &'a Map<String, Value>)> {
    let Some(outputs) = profile.get("outputs").and_then(Value::as_object) else {
        return Err(Error::project(format!("profile '{profile_name}' has no `outputs:`"))
            .at(profiles.at(&[profile_name]))
            .help("add `outputs:` with one mapping per target, e.g. dev: {type: duckdb, path: dev.duckdb}"));
    };
    let target_name = match (requested, profile.get("target")) {
        (Some(t), _) => t.to_string(),
        (None, Some(t @ Value::String(_))) => super::target::render_value(t, 0)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
            .ok_or_else(|| {
                Error::project(format!("profile '{profile_name}': `target:` cannot be rendered"))
                    .at(profiles.at(&[profile_name, "target"]))
                    .help("set the environment variable it reads, or give env_var() a default")
            })?,
        (None, _) => "default".to_string(),
    };
    let Some(output) = outputs.get(&target_name) else {
        let err = Error::project(format!(
            "target '{target_name}' is not an output of profile '{profile_name}' in {}",
            profiles.shown.display()
        ));
        let err = match requested {
            None => err.at(profiles.at(&[profile_name, "target"])),
            Some(_) => err.at(profiles.at(&[profile_name, "outputs"])),
        };
        return Err(err.help(names_hint(&target_name, outputs.keys().map(String::as_str), "outputs")));
    };
    let Some(output) = output.as_object() else {
        return Err(
            Error::project(format!("output '{target_name}' must be a mapping of settings")).at(profiles.at(&[
                profile_name,
                "outputs",
                &target_name,
            ])),
        );
    };
    Ok((target_name, output))
}

/// Map an output's dbt fields onto mozt's settings: the ones mozt's adapter reads pass
/// through; dbt's others are warned about (or refused, where a run without them would differ);
/// unknown ones are left for `from_settings` to refuse with the closest known key.
fn dbt_fields(
    settings: Map<String, Value>,
    target_name: &str,
    key_at: &dyn Fn(&str) -> Location,
) -> Result<Map<String, Value>> {
    let kind: Option<AdapterKind> = settings
        .get("type")
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok());
    let extras: &[(&str, Field)] = match kind {
        Some(AdapterKind::DuckDb) => DUCKDB,
        Some(AdapterKind::Snowflake) => SNOWFLAKE,
        None => &[],
    };
    let mut mapped = Map::new();
    for (k, v) in settings {
        if kind == Some(AdapterKind::DuckDb) && k == "settings" {
            duckdb_settings(&v, &mut mapped, key_at)?;
            continue;
        }
        match extras.iter().find(|(f, _)| *f == k).map(|(_, t)| *t) {
            Some(Ignored(why)) => tracing::warn!("{}: `{k}` is ignored: {why}", key_at(&k)),
            Some(Refused(why)) => {
                return Err(
                    Error::project(format!("output '{target_name}': `{k}` is not supported: {why}"))
                        .at(key_at(&k))
                        .help(format!("remove `{k}` (or use another output with --target)")),
                );
            }
            None => {
                mapped.insert(k, v);
            }
        }
    }
    Ok(mapped)
}

fn names_hint<'a>(wanted: &str, names: impl Iterator<Item = &'a str> + Clone, what: &str) -> String {
    let all: Vec<&str> = names.clone().collect();
    match crate::suggest::closest(wanted, names).first() {
        Some(best) => format!("did you mean '{best}'? {what}: {}", all.join(", ")),
        None if all.is_empty() => format!("there are no {what}"),
        None => format!("{what}: {}", all.join(", ")),
    }
}

/// dbt-duckdb's `settings:`: DuckDB's thread count becomes mozt's `duckdb_threads`; settings
/// that only change speed or memory get a warning; any other could change results: refused.
fn duckdb_settings(settings: &Value, mapped: &mut Map<String, Value>, key_at: &dyn Fn(&str) -> Location) -> Result<()> {
    let Some(settings) = settings.as_object() else {
        return Err(Error::project("`settings:` must be a mapping of DuckDB settings").at(key_at("settings")));
    };
    for (k, v) in settings {
        match k.to_ascii_lowercase().as_str() {
            "threads" | "worker_threads" => {
                let n = v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
                let Some(n) = n else {
                    return Err(
                        Error::project(format!("DuckDB setting `{k}` must be a whole number")).at(key_at("settings"))
                    );
                };
                mapped.insert("duckdb_threads".into(), Value::from(n));
            }
            s if DUCKDB_RESOURCE_SETTINGS.contains(&s) => {
                tracing::warn!(
                    "{}: DuckDB setting `{k}` is ignored: mozt opens DuckDB with its defaults",
                    key_at("settings")
                );
            }
            _ => {
                return Err(Error::project(format!(
                    "DuckDB setting `{k}` is not supported: mozt cannot apply it, and it could change results"
                ))
                .at(key_at("settings"))
                .help("remove it from `settings:` (mozt applies `threads` only)"));
            }
        }
    }
    Ok(())
}
