//! dbt's `dbt_project.yml`, read into the same [`ProjectFile`] as mozt's project.yml. Every
//! key dbt 1.11 documents is either acted on, or named in a warning (file:line and what is
//! ignored), or refused where ignoring it would change what a run builds
//! (docs/migrating-from-dbt.md has the table). Targets come from profiles.yml
//! (`super::profiles`).

use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::Path;

use super::config::ProjectFile;
use super::profiles::ProfileOptions;
use super::yaml_lines::key_line;
use crate::error::{Error, Location, Result};

pub const DBT_PROJECT_FILE: &str = "dbt_project.yml";

/// Where `dbt deps` and `mozt deps` install packages unless `packages-install-path` says.
pub const DEFAULT_INSTALL_PATH: &str = "dbt_packages";

/// The dbt version whose behaviour mozt follows (for `require-dbt-version`).
pub const DBT_VERSION: (u64, u64, u64) = (1, 11, 0);

/// What a dbt-layout project carries beyond [`ProjectFile`], typed for the rest of the engine
/// (some of it not acted on yet: each such key is named in a warning where it is read).
#[derive(Debug, Clone, Default)]
pub struct DbtLayout {
    /// `profile:` of dbt_project.yml (env_var() rendered).
    pub profile: Option<String>,
    /// Where profiles.yml is looked for and which profile `--profile` picks.
    pub options: ProfileOptions,
    /// Vars scoped to a package (`vars: {dbt_utils: {x: 1}}`), by package name; the root
    /// project's own scoped vars are merged into `ProjectFile::vars`.
    pub package_vars: IndexMap<String, Map<String, Value>>,
    /// `quoting:`.
    pub quoting: QuotingConfig,
    /// `dispatch:`: for each macro namespace, the packages searched in order.
    pub dispatch: Vec<Dispatch>,
    /// `on-run-start` / `on-run-end` SQL (Jinja), in order.
    pub on_run_start: Vec<String>,
    pub on_run_end: Vec<String>,
    /// `query-comment:`.
    pub query_comment: Option<QueryComment>,
    /// `packages-install-path:` (default `dbt_packages`).
    pub packages_install_path: String,
    /// `clean-targets:` (mozt has no `clean`).
    pub clean_targets: Vec<String>,
}

/// `quoting:` of dbt_project.yml; None where not written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuotingConfig {
    pub database: Option<bool>,
    pub schema: Option<bool>,
    pub identifier: Option<bool>,
}

impl QuotingConfig {
    /// Whether any of the three is turned on.
    pub fn any_on(&self) -> bool {
        [self.database, self.schema, self.identifier].contains(&Some(true))
    }
}

/// One entry of `dispatch:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    pub macro_namespace: String,
    pub search_order: Vec<String>,
}

/// `query-comment:`: a string (the comment), or a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryComment {
    /// The comment's Jinja; None for `query-comment: null` (no comment at all).
    pub comment: Option<String>,
    /// Append instead of prepend.
    pub append: bool,
    /// Snowflake: put the comment in the query tag (`job-label`).
    pub job_label: bool,
}

/// How mozt treats a top-level key of dbt_project.yml.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Treatment {
    /// Read into the project (or checked), no message.
    Read,
    /// Not acted on; a warning says why.
    Ignored(&'static str),
    /// An old name of a key mozt reads: read, with a warning to rename it.
    Renamed(&'static str),
}

use Treatment::{Ignored, Read, Renamed};

const KEYS: &[(&str, Treatment)] = &[
    ("name", Read),
    ("version", Read),
    ("config-version", Read),
    ("profile", Read),
    ("model-paths", Read),
    ("seed-paths", Read),
    ("test-paths", Read),
    ("macro-paths", Read),
    ("snapshot-paths", Read),
    ("analysis-paths", Read),
    ("target-path", Read),
    ("vars", Read),
    ("models", Read),
    ("seeds", Read),
    ("snapshots", Read),
    ("sources", Read),
    ("tests", Read),
    ("data_tests", Read),
    // Read by `mozt deps` and the package loader.
    ("packages-install-path", Read),
    ("require-dbt-version", Read),
    ("quoting", Read),
    ("flags", Read),
    ("on-run-start", Read),
    ("on-run-end", Read),
    // mozt's own key (docs/braze.md).
    ("braze", Read),
    ("source-paths", Renamed("model-paths")),
    ("data-paths", Renamed("seed-paths")),
    (
        "docs-paths",
        Ignored("mozt does not read {% docs %} blocks or generate a docs site"),
    ),
    ("asset-paths", Ignored("mozt does not generate a docs site")),
    (
        "function-paths",
        Ignored("mozt does not create user-defined functions (dbt 1.11 `functions`)"),
    ),
    (
        "functions",
        Ignored("mozt does not create user-defined functions (dbt 1.11 `functions`)"),
    ),
    (
        "clean-targets",
        Ignored("mozt has no `clean` command; delete these folders yourself"),
    ),
    ("log-path", Ignored("mozt logs to stderr only and writes no log file")),
    (
        "query-comment",
        Ignored(
            "mozt puts its own comment (app, node_id, target) on the SQL it sends to Snowflake, and none on DuckDB",
        ),
    ),
    (
        "restrict-access",
        Ignored("mozt does not check model access across groups; refs that dbt refuses are allowed"),
    ),
    ("dispatch", Read),
    (
        "unit_tests",
        Ignored("mozt does not apply folder configs to unit tests; set them on each unit test"),
    ),
    ("semantic-models", Ignored("mozt has no semantic layer")),
    ("saved-queries", Ignored("mozt has no semantic layer")),
    ("metrics", Ignored("mozt has no semantic layer")),
    ("exposures", Ignored("mozt does not read exposures")),
    ("dbt-cloud", Ignored("it configures the dbt Cloud CLI")),
];

/// Flags (`flags:` of dbt_project.yml) whose effect mozt already has: nothing to say.
const FLAGS_MOZT_HAS: &[(&str, &str)] = &[
    // mozt sends no usage statistics.
    ("send_anonymous_usage_stats", "false"),
    // mozt's partial parse is on by default too.
    ("partial_parse", "true"),
];

/// dbt_project.yml's text, for messages that point at a key.
struct Yml<'a> {
    rel: &'a Path,
    text: &'a str,
    /// The file of an installed package: keys only the root project's file acts on (flags,
    /// clean-targets, query-comment, ...) are not warned about; dbt ignores them there too.
    package: bool,
}

impl Yml<'_> {
    fn at(&self, path: &[&str]) -> Location {
        Location::at(self.rel, key_line(self.text, path).unwrap_or(1))
    }

    fn refuse(&self, path: &[&str], msg: impl Into<String>, help: &str) -> Error {
        Error::project(msg)
            .at(self.at(path))
            .with_source_line(self.text)
            .help(help.to_string())
    }
}

/// Read dbt_project.yml (its text `text`, shown as `rel`) into a project file and the layout
/// data; warnings go to the log. `root` is the project folder (for the installed packages).
pub fn read(root: &Path, rel: &Path, text: &str, options: &ProfileOptions) -> Result<(ProjectFile, DbtLayout)> {
    read_as(
        root,
        Yml {
            rel,
            text,
            package: false,
        },
        options,
    )
}

/// Read an installed package's dbt_project.yml (`root` is the package's folder).
pub fn read_package(root: &Path, rel: &Path, text: &str) -> Result<(ProjectFile, DbtLayout)> {
    read_as(
        root,
        Yml {
            rel,
            text,
            package: true,
        },
        &ProfileOptions::default(),
    )
}

fn read_as(root: &Path, yml: Yml<'_>, options: &ProfileOptions) -> Result<(ProjectFile, DbtLayout)> {
    let (rel, text) = (yml.rel, yml.text);
    let mut file = ProjectFile::parse(rel, text)?;
    let raw: Value = serde_yaml_ng::from_str(text).map_err(|e| crate::error::yaml_error(rel, &e, text))?;
    let raw = raw.as_object().cloned().unwrap_or_default();
    if !file.targets.is_empty() {
        return Err(yml.refuse(
            &["targets"],
            "`targets:` is mozt's project.yml key; a dbt_project.yml takes its targets from profiles.yml",
            "move the targets into an output of a profile in profiles.yml, or rename this file to project.yml",
        ));
    }
    if raw.contains_key("tests") && raw.contains_key("data_tests") {
        return Err(yml.refuse(
            &["data_tests"],
            "dbt_project.yml has both `tests:` and `data_tests:`",
            "keep one: `data_tests:` is dbt 1.8's name for `tests:`",
        ));
    }
    match raw.get("config-version") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_u64() == Some(2) => {}
        Some(v) => {
            return Err(yml.refuse(
                &["config-version"],
                format!("config-version {v} is not supported: dbt 1.11 (and mozt) read config-version 2"),
                "set `config-version: 2` and move the configs to dbt 1.x's format",
            ));
        }
    }
    check_keys(&raw, &mut file, &yml)?;
    super::config::warn_unknown_configs(rel, text, &file);
    let mut layout = DbtLayout {
        options: options.clone(),
        packages_install_path: match raw.get("packages-install-path") {
            Some(Value::String(p)) => p.clone(),
            _ => DEFAULT_INSTALL_PATH.to_string(),
        },
        ..DbtLayout::default()
    };
    layout.profile = match raw.get("profile") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(render_profile_name(s).map_err(|e| {
            yml.refuse(
                &["profile"],
                format!("in `profile:`: {e}"),
                "set the environment variable, or give env_var() a default",
            )
        })?),
        Some(_) => {
            return Err(yml.refuse(
                &["profile"],
                "`profile:` must be the name of a profile in profiles.yml",
                "write `profile: my_profile`",
            ));
        }
    };
    split_vars(root, &mut file, &mut layout, &raw, &yml)?;
    typed_fields(&raw, &mut layout, &yml)?;
    if !yml.package {
        check_flags(&raw, &yml);
    }
    check_required_version(&raw, &yml);
    Ok((file, layout))
}

/// Every top-level key: read, renamed (read, with a warning) or warned about as ignored or
/// unknown.
fn check_keys(raw: &Map<String, Value>, file: &mut ProjectFile, yml: &Yml<'_>) -> Result<()> {
    for (key, value) in raw {
        match KEYS.iter().find(|(k, _)| k == key).map(|(_, t)| *t) {
            None => super::keys::warn_unknown(
                yml.rel,
                yml.at(&[key]).line.unwrap_or(1),
                key,
                "dbt_project.yml",
                KEYS.iter().map(|(k, _)| *k),
            ),
            Some(Ignored(why)) => {
                if !is_empty(value) && !yml.package {
                    tracing::warn!("{}: `{key}` is ignored: {why}", yml.at(&[key]));
                }
            }
            Some(Renamed(new)) => {
                tracing::warn!(
                    "{}: `{key}` is dbt's old name of `{new}`; read as `{new}` (rename it)",
                    yml.at(&[key])
                );
                if raw.contains_key(new) {
                    return Err(yml.refuse(
                        &[key],
                        format!("dbt_project.yml has both `{key}` and `{new}`"),
                        &format!("keep only `{new}`"),
                    ));
                }
                let paths = string_list(value).ok_or_else(|| {
                    yml.refuse(
                        &[key],
                        format!("`{key}` must be a list of folders"),
                        "write it as [folder, ...]",
                    )
                })?;
                match key.as_str() {
                    "source-paths" => file.model_paths = paths,
                    _ => file.seed_paths = paths,
                }
            }
            Some(Read) => {}
        }
    }
    Ok(())
}

/// dispatch, run hooks, quoting, query-comment and clean-targets, typed for the engine.
fn typed_fields(raw: &Map<String, Value>, layout: &mut DbtLayout, yml: &Yml<'_>) -> Result<()> {
    layout.on_run_start = hooks(raw, "on-run-start", yml)?;
    layout.on_run_end = hooks(raw, "on-run-end", yml)?;
    layout.clean_targets = raw.get("clean-targets").and_then(string_list).unwrap_or_default();
    layout.dispatch = dispatch(raw.get("dispatch"), yml)?;
    layout.query_comment = match raw.get("query-comment") {
        None => None,
        Some(Value::Null) => Some(QueryComment {
            comment: None,
            append: false,
            job_label: false,
        }),
        Some(Value::String(c)) => Some(QueryComment {
            comment: Some(c.clone()),
            append: false,
            job_label: false,
        }),
        Some(Value::Object(m)) => Some(QueryComment {
            comment: m.get("comment").and_then(Value::as_str).map(str::to_string),
            append: m.get("append").and_then(Value::as_bool).unwrap_or(false),
            job_label: m.get("job-label").and_then(Value::as_bool).unwrap_or(false),
        }),
        Some(_) => {
            return Err(yml.refuse(
                &["query-comment"],
                "`query-comment:` must be a string or a mapping",
                "write query-comment: {comment: '...', append: true}",
            ));
        }
    };
    layout.quoting = quoting(raw.get("quoting"), yml)?;
    Ok(())
}

fn hooks(raw: &Map<String, Value>, key: &str, yml: &Yml<'_>) -> Result<Vec<String>> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(v) => string_list(v)
            .map(|l| l.into_iter().filter(|s| !s.trim().is_empty()).collect())
            .ok_or_else(|| {
                yml.refuse(
                    &[key],
                    format!("`{key}` must be SQL or a list of SQL"),
                    "write it as a list of strings",
                )
            }),
    }
}

fn dispatch(v: Option<&Value>, yml: &Yml<'_>) -> Result<Vec<Dispatch>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(vec![]);
    };
    let bad = || {
        yml.refuse(
            &["dispatch"],
            "`dispatch:` must be a list of {macro_namespace, search_order}",
            "write dispatch: [{macro_namespace: dbt_utils, search_order: [my_project, dbt_utils]}]",
        )
    };
    let items = v.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|item| {
            let namespace = item.get("macro_namespace").and_then(Value::as_str).ok_or_else(bad)?;
            let order = item.get("search_order").and_then(string_list).ok_or_else(bad)?;
            Ok(Dispatch {
                macro_namespace: namespace.to_string(),
                search_order: order,
            })
        })
        .collect()
}

fn quoting(v: Option<&Value>, yml: &Yml<'_>) -> Result<QuotingConfig> {
    let m = match v {
        None | Some(Value::Null) => return Ok(QuotingConfig::default()),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(yml.refuse(
                &["quoting"],
                "`quoting:` must be a mapping",
                "write quoting: {database: false, schema: false, identifier: false}",
            ));
        }
    };
    let known = ["database", "schema", "identifier"];
    for k in m.keys().filter(|k| !known.contains(&k.as_str())) {
        super::keys::warn_unknown(
            yml.rel,
            yml.at(&["quoting", k]).line.unwrap_or(1),
            k,
            "quoting",
            known.into_iter(),
        );
    }
    let flag = |k: &str| m.get(k).and_then(Value::as_bool);
    Ok(QuotingConfig {
        database: flag("database"),
        schema: flag("schema"),
        identifier: flag("identifier"),
    })
}

/// `profile:` may be `{{ env_var('DBT_PROFILE') }}`.
fn render_profile_name(s: &str) -> std::result::Result<String, String> {
    if !(s.contains("{{") || s.contains("{%")) {
        return Ok(s.to_string());
    }
    super::env::settings_env()
        .render_str(s, ())
        .map(|r| r.trim().to_string())
        .map_err(|e| e.detail().map(str::to_string).unwrap_or_else(|| e.to_string()))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

/// dbt's vars: a key naming the root project or an installed package, holding a mapping, scopes
/// its vars to that project; the rest are global. The root project's scoped vars override the
/// global ones.
fn split_vars(
    root: &Path,
    file: &mut ProjectFile,
    layout: &mut DbtLayout,
    raw: &Map<String, Value>,
    yml: &Yml<'_>,
) -> Result<()> {
    let vars = match raw.get("vars") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(yml.refuse(
                &["vars"],
                "`vars:` must be a mapping of names to values",
                "write vars: {name: value}",
            ));
        }
    };
    let packages = installed_packages(root, &layout.packages_install_path);
    let mut global = IndexMap::new();
    let mut own = IndexMap::new();
    for (k, v) in vars {
        match v {
            Value::Object(m) if *k == file.name => own.extend(m.iter().map(|(a, b)| (a.clone(), b.clone()))),
            Value::Object(m) if packages.iter().any(|p| p == k) => {
                layout.package_vars.insert(k.clone(), m.clone());
            }
            _ => {
                global.insert(k.clone(), v.clone());
            }
        }
    }
    global.extend(own);
    file.vars = global;
    Ok(())
}

/// The names of the packages installed under `packages-install-path` (their folder names, as
/// `dbt deps` and `mozt deps` install them).
pub fn installed_packages(root: &Path, install: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(install)) else {
        return vec![];
    };
    entries
        .flatten()
        .filter(|e| e.path().join(DBT_PROJECT_FILE).is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect()
}

fn check_flags(raw: &Map<String, Value>, yml: &Yml<'_>) {
    let at = |p: &[&str]| yml.at(p);
    let Some(flags) = raw.get("flags").and_then(Value::as_object) else {
        if raw.get("flags").is_some_and(|v| !v.is_null()) {
            tracing::warn!("{}: `flags:` must be a mapping; ignored", at(&["flags"]));
        }
        return;
    };
    for (k, v) in flags {
        let shown = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if FLAGS_MOZT_HAS.iter().any(|(f, val)| f == k && *val == shown) {
            continue;
        }
        tracing::warn!(
            "{}: flag `{k}: {shown}` is ignored: mozt has no such setting in the project file (see `mozt --help` for its flags)",
            at(&["flags", k])
        );
    }
}

/// `require-dbt-version`: mozt follows dbt 1.11; a range that excludes 1.11 gets a warning (the
/// project may rely on behaviour of another dbt version).
fn check_required_version(raw: &Map<String, Value>, yml: &Yml<'_>) {
    let at = |p: &[&str]| yml.at(p);
    let Some(v) = raw.get("require-dbt-version") else {
        return;
    };
    let specs: Vec<String> = match string_list(v) {
        Some(list) => list
            .iter()
            .flat_map(|s| s.split(',').map(|p| p.trim().to_string()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect(),
        None => {
            tracing::warn!(
                "{}: `require-dbt-version` must be a version range or a list of them; ignored",
                at(&["require-dbt-version"])
            );
            return;
        }
    };
    for spec in &specs {
        match satisfies(spec, DBT_VERSION) {
            Some(true) => {}
            Some(false) => tracing::warn!(
                "{}: require-dbt-version `{spec}` excludes dbt 1.11, whose behaviour mozt follows; the project may rely on another dbt version's behaviour",
                at(&["require-dbt-version"])
            ),
            None => tracing::warn!(
                "{}: require-dbt-version `{spec}` is not a version range mozt can read; ignored",
                at(&["require-dbt-version"])
            ),
        }
    }
}

/// Whether `version` satisfies one dbt version spec (`>=1.3.0`, `<2.0.0`, `1.11.0`, `=1.5`);
/// None when the spec cannot be read.
pub fn satisfies(spec: &str, version: (u64, u64, u64)) -> Option<bool> {
    let spec = spec.trim();
    let (op, rest) = [">=", "<=", "==", ">", "<", "="]
        .iter()
        .find_map(|op| spec.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("=", spec));
    let rest = rest.trim();
    let mut parts = rest.split('.');
    let mut num = || -> Option<Option<u64>> {
        match parts.next() {
            None => Some(None),
            Some(p) => p.trim().parse::<u64>().ok().map(Some),
        }
    };
    let major = num()??;
    let minor = num()?;
    let patch = num()?;
    if parts.next().is_some() {
        return None;
    }
    let want = (major, minor.unwrap_or(0), patch.unwrap_or(0));
    let ord = version.cmp(&want);
    use std::cmp::Ordering::*;
    Some(match op {
        ">=" => ord != Less,
        "<=" => ord != Greater,
        ">" => ord == Greater,
        "<" => ord == Less,
        // `=1.11` means any 1.11.x.
        _ => match (minor, patch) {
            (None, _) => version.0 == major,
            (Some(m), None) => version.0 == major && version.1 == m,
            _ => ord == Equal,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn version_specs() {
        let v = (1, 11, 0);
        assert_eq!(satisfies(">=1.3.0", v), Some(true));
        assert_eq!(satisfies("<2.0.0", v), Some(true));
        assert_eq!(satisfies("<1.11.0", v), Some(false));
        assert_eq!(satisfies(">1.11.0", v), Some(false));
        assert_eq!(satisfies("1.11.0", v), Some(true));
        assert_eq!(satisfies("=1.11", v), Some(true));
        assert_eq!(satisfies("1.10", v), Some(false));
        assert_eq!(satisfies("latest", v), None);
    }
}
