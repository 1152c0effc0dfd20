//! `packages.yml` / `dependencies.yml`: the packages a project asks for, each with the file and
//! line that asked, as dbt 1.11 reads them.
//!
//! An entry is one of `package:` (the hub, with `version:`), `git:` (with `revision:`,
//! `subdirectory:`, `warn-unpinned:`), `local:` or `tarball:` (with `name:`). String values may
//! call `env_var('NAME')` / `env_var('NAME', 'default')`, rendered before use; the entry as
//! written is kept too (it goes into the lock file's hash, and into the lock for git URLs).

use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// `--vars`: what `var()` in a packages file reads.
pub type Vars = Map<String, Value>;

pub const PACKAGES_FILE: &str = "packages.yml";
pub const DEPENDENCIES_FILE: &str = "dependencies.yml";

/// Who asked for a package: the root project, or a package (by its name and version: a hub
/// version, `at <commit>` for git, empty for local and tarball packages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirer {
    Root,
    Package { name: String, version: String },
}

/// Where a requirement was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub requirer: Requirer,
    /// The file it is written in; None for a hub package's dependencies (the hub's metadata).
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.requirer {
            Requirer::Root => write!(f, "the project")?,
            Requirer::Package { name, version } if version.is_empty() => write!(f, "package {name}")?,
            Requirer::Package { name, version } => write!(f, "package {name} {version}")?,
        }
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, " ({}:{line})", file.display()),
            (Some(file), None) => write!(f, " ({})", file.display()),
            (None, _) => write!(f, " (its dependencies on the hub)"),
        }
    }
}

impl Origin {
    pub fn location(&self) -> Option<Location> {
        let file = self.file.as_ref()?;
        Some(match self.line {
            Some(line) => Location::at(file, line),
            None => Location::file(file),
        })
    }
}

/// Where a package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `package: dbt-labs/dbt_utils` with `version:` (one or more specifiers).
    Hub {
        package: String,
        versions: Vec<String>,
        install_prerelease: bool,
    },
    Git {
        url: String,
        /// The URL as written (with `env_var(...)` unrendered): what the lock file records.
        url_written: String,
        revision: Option<String>,
        subdirectory: Option<String>,
        warn_unpinned: bool,
    },
    /// A folder, relative to the root project.
    Local { path: String },
    /// A .tar.gz at a URL, installed under `name`.
    Tarball {
        url: String,
        url_written: String,
        name: String,
    },
}

/// One entry of a packages file.
#[derive(Debug, Clone)]
pub struct PackageSpec {
    pub source: Source,
    /// `name:` when the entry gives one (the lock file always does).
    pub name: Option<String>,
    pub origin: Origin,
    /// The entry as dbt serializes it for the lock file's `sha1_hash`.
    pub hash_form: Value,
}

/// A project's packages file, read.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub path: PathBuf,
    pub specs: Vec<PackageSpec>,
}

/// Read the packages a project folder asks for: `packages:` of dependencies.yml or packages.yml
/// (not both). None when neither file lists packages.
pub fn read_project_specs(dir: &Path, shown_dir: &Path, requirer: &Requirer, vars: &Vars) -> Result<Option<SpecFile>> {
    let mut found: Vec<(PathBuf, PathBuf, String, Value)> = Vec::new();
    for file in [PACKAGES_FILE, DEPENDENCIES_FILE] {
        let path = dir.join(file);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let shown = shown_dir.join(file);
        let doc: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_yaml_ng::from_str(&text).map_err(|e| crate::error::yaml_error(&shown, &e, &text))?
        };
        found.push((path, shown, text, doc));
    }
    let has_packages = |doc: &Value| doc.get("packages").is_some();
    if found.len() == 2 && found.iter().all(|(_, _, _, d)| has_packages(d)) {
        return Err(
            Error::project("The 'packages' key cannot be specified in both packages.yml and dependencies.yml")
                .in_file(&found[1].1)
                .help("move every package into one of the two files"),
        );
    }
    let mut chosen = None;
    for (_, shown, text, doc) in found {
        let is_deps_file = shown.ends_with(DEPENDENCIES_FILE);
        match &doc {
            Value::Null => continue,
            Value::Object(map) => {
                for key in map.keys() {
                    match key.as_str() {
                        "packages" => {}
                        "projects" if is_deps_file => tracing::warn!(
                            "{}: `projects:` (dependencies on other dbt projects' public models) is not \
                             supported by mozt; it is left out",
                            shown.display()
                        ),
                        "projects" => {
                            return Err(Error::project("The 'projects' key cannot be specified in packages.yml")
                                .at(key_location(&shown, &text, key))
                                .with_source_line(&text)
                                .help("put `projects:` in dependencies.yml"));
                        }
                        other => {
                            return Err(Error::project(format!("unknown key `{other}` in {}", shown.display()))
                                .at(key_location(&shown, &text, other))
                                .with_source_line(&text)
                                .help("a packages file holds one key, `packages:`, a list of packages"));
                        }
                    }
                }
                if map.contains_key("packages") {
                    chosen = Some((shown, text, doc));
                }
            }
            _ => {
                return Err(
                    Error::project(format!("{} must be a mapping with a `packages:` list", shown.display()))
                        .in_file(&shown),
                );
            }
        }
    }
    let Some((shown, text, doc)) = chosen else {
        return Ok(None);
    };
    let entries = match doc.get("packages") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(_) => {
            return Err(Error::project("`packages:` must be a list of packages")
                .at(key_location(&shown, &text, "packages"))
                .with_source_line(&text)
                .help("write one `- package: ...`, `- git: ...` or `- local: ...` per line"));
        }
    };
    let lines = item_lines(&text, "packages");
    let fallback = crate::error::line_of(&text, "packages:");
    let mut specs = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let line = if lines.len() == entries.len() {
            Some(lines[i])
        } else {
            fallback
        };
        let origin = Origin {
            requirer: requirer.clone(),
            file: Some(shown.clone()),
            line,
        };
        let spec = parse_entry(entry, origin, vars).map_err(|e| e.with_source_line(&text))?;
        specs.push(spec);
    }
    Ok(Some(SpecFile { path: shown, specs }))
}

fn key_location(file: &Path, text: &str, key: &str) -> Location {
    let line = text
        .lines()
        .position(|l| l.starts_with(key) && l[key.len()..].trim_start().starts_with(':'))
        .map(|i| i + 1)
        .unwrap_or(1);
    Location::at(file, line)
}

/// The 1-based lines where the block list under the top-level `key:` starts each item.
pub fn item_lines(text: &str, key: &str) -> Vec<usize> {
    let mut lines = text.lines().enumerate();
    let found = lines.by_ref().any(|(_, l)| {
        l.strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with(':') && r.trim_start()[1..].trim().is_empty())
    });
    if !found {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut item_indent: Option<usize> = None;
    for (i, l) in lines {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = l.len() - trimmed.len();
        let is_item = trimmed == "-" || trimmed.starts_with("- ");
        match item_indent {
            None if is_item => {
                item_indent = Some(indent);
                out.push(i + 1);
            }
            None => break,
            Some(n) if is_item && indent == n => out.push(i + 1),
            Some(n) if indent <= n && !is_item => break,
            Some(_) => {}
        }
    }
    out
}

/// One list entry (from a packages file, a lock file or the hub's metadata).
pub fn parse_entry(entry: &Value, origin: Origin, vars: &Vars) -> Result<PackageSpec> {
    let err = |msg: String, help: &str| {
        let mut e = Error::project(msg).help(help.to_string());
        if let Some(loc) = origin.location() {
            e = e.at(loc);
        }
        e
    };
    let Value::Object(raw) = entry else {
        return Err(err(
            "a package must be a mapping".into(),
            "write `- package: dbt-labs/dbt_utils` with `version:`, `- git: <url>` or `- local: <folder>`",
        ));
    };
    let rendered = render_map(raw, vars).map_err(|m| {
        err(
            m,
            "set the environment variable (or pass the var with --vars), or give it a default",
        )
    })?;
    let kind = ["package", "git", "local", "tarball", "private"]
        .into_iter()
        .find(|k| rendered.contains_key(*k));
    let allowed: &[&str] = match kind {
        Some("package") => &["package", "version", "install_prerelease", "install-prerelease", "name"],
        Some("git") => &["git", "revision", "warn-unpinned", "subdirectory", "name"],
        Some("local") => &["local", "name"],
        Some("tarball") => &["tarball", "name"],
        Some(_) => {
            return Err(err(
                "`private:` packages (git repositories reached through a dbt platform integration) are not \
                 supported by mozt"
                    .into(),
                "use `git:` with the repository's URL (an access token may come from env_var())",
            ));
        }
        None => {
            return Err(err(
                "a package needs one of `package:`, `git:`, `local:` or `tarball:`".into(),
                "write `- package: dbt-labs/dbt_utils` with `version:`, `- git: <url>` or `- local: <folder>`",
            ));
        }
    };
    if let Some(k) = rendered.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(err(
            format!("unknown key `{k}` in a package"),
            &format!("this kind of package takes: {}", allowed.join(", ")),
        ));
    }
    let string = |key: &str, required: bool| -> Result<Option<String>> {
        match rendered.get(key) {
            None | Some(Value::Null) if !required => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(Value::Number(n)) if !required => Ok(Some(n.to_string())),
            Some(Value::String(_)) | None | Some(Value::Null) => Err(err(
                format!("`{key}:` of a package is missing its value"),
                "give it a value, or remove the package",
            )),
            Some(_) => Err(err(format!("`{key}:` must be a string"), "quote the value")),
        }
    };
    let flag = |key: &str| -> Result<Option<bool>> {
        match rendered.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(err(format!("`{key}:` must be true or false"), "write true or false")),
        }
    };
    let name = string("name", false)?;
    let mut hash = Map::new();
    let source = match kind {
        Some("package") => {
            let package = string("package", true)?.unwrap_or_default();
            if !package.contains('/') {
                return Err(err(
                    format!(
                        "{package} was not found in the package index. Packages on the index require a namespace, \
                         e.g dbt-labs/dbt_utils"
                    ),
                    "write the hub name with its namespace: `package: dbt-labs/dbt_utils`",
                ));
            }
            let version = rendered.get("version").cloned().unwrap_or(Value::Null);
            let versions: Vec<String> = match &version {
                Value::String(s) if !s.trim().is_empty() => s.split(',').map(|v| v.trim().to_string()).collect(),
                Value::Number(n) => vec![n.to_string()],
                Value::Array(items) if !items.is_empty() => {
                    let mut out = Vec::new();
                    for item in items {
                        match item {
                            Value::String(s) => out.push(s.trim().to_string()),
                            Value::Number(n) => out.push(n.to_string()),
                            _ => {
                                return Err(err(
                                    "a `version:` list holds version strings".into(),
                                    "quote each version",
                                ));
                            }
                        }
                    }
                    out
                }
                _ => {
                    return Err(err(
                        format!(
                            "{package} is missing the version. When installing from the Hub package index, version is \
                             a required property"
                        ),
                        "add `version: [\">=1.0.0\", \"<2.0.0\"]` (a range) or `version: 1.0.0`",
                    ));
                }
            };
            for v in &versions {
                if let Err(e) = super::version::Specifier::parse(v) {
                    return Err(err(
                        format!("{e} (in the version of {package})"),
                        "write MAJOR.MINOR.PATCH, optionally after >=, >, <=, < or =: \">=1.0.0\"",
                    ));
                }
            }
            let prerelease = match flag("install_prerelease")? {
                Some(b) => Some(b),
                None => flag("install-prerelease")?,
            };
            hash.insert("package".into(), Value::String(package.clone()));
            hash.insert("version".into(), version);
            hash.insert(
                "install_prerelease".into(),
                match rendered.get("install_prerelease") {
                    Some(Value::Null) => Value::Null,
                    _ => Value::Bool(prerelease.unwrap_or(false)),
                },
            );
            Source::Hub {
                package,
                versions,
                install_prerelease: prerelease.unwrap_or(false),
            }
        }
        Some("git") => {
            let url = string("git", true)?.unwrap_or_default();
            let url_written = match raw.get("git") {
                Some(Value::String(s)) => s.clone(),
                _ => url.clone(),
            };
            let revision = string("revision", false)?;
            let subdirectory = string("subdirectory", false)?;
            let warn = flag("warn-unpinned")?;
            hash.insert("git".into(), Value::String(url.clone()));
            hash.insert(
                "revision".into(),
                rendered.get("revision").cloned().unwrap_or(Value::Null),
            );
            hash.insert(
                "subdirectory".into(),
                rendered.get("subdirectory").cloned().unwrap_or(Value::Null),
            );
            hash.insert(
                "warn-unpinned".into(),
                rendered.get("warn-unpinned").cloned().unwrap_or(Value::Null),
            );
            Source::Git {
                url,
                url_written,
                revision,
                subdirectory,
                warn_unpinned: warn != Some(false),
            }
        }
        Some("local") => {
            let path = string("local", true)?.unwrap_or_default();
            hash.insert("local".into(), Value::String(path.clone()));
            Source::Local { path }
        }
        _ => {
            let url = string("tarball", true)?.unwrap_or_default();
            let Some(name) = name.clone() else {
                return Err(err(
                    "a `tarball:` package needs a `name:` (the folder it is installed in)".into(),
                    "add `name: <package name>`",
                ));
            };
            let url_written = match raw.get("tarball") {
                Some(Value::String(s)) => s.clone(),
                _ => url.clone(),
            };
            hash.insert("tarball".into(), Value::String(url.clone()));
            Source::Tarball { url, url_written, name }
        }
    };
    if let Some(n) = &name {
        hash.insert("name".into(), Value::String(n.clone()));
    }
    hash.insert("unrendered".into(), Value::Object(raw.clone()));
    Ok(PackageSpec {
        source,
        name,
        origin,
        hash_form: Value::Object(hash),
    })
}

/// Render `{{ env_var('X') }}` in every string of an entry.
fn render_map(raw: &Map<String, Value>, vars: &Vars) -> std::result::Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (k, v) in raw {
        let v = match v {
            Value::String(s) => Value::String(render_str(s, vars)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => render_str(s, vars).map(Value::String),
                        other => Ok(other.clone()),
                    })
                    .collect::<std::result::Result<_, _>>()?,
            ),
            other => other.clone(),
        };
        out.insert(k.clone(), v);
    }
    Ok(out)
}

fn render_str(s: &str, vars: &Vars) -> std::result::Result<String, String> {
    if !s.contains("{{") && !s.contains("{%") {
        return Ok(s.to_string());
    }
    crate::project::template_depth::refuse(s)?;
    let mut env = minijinja::Environment::new();
    env.add_function(
        "env_var",
        |name: String, default: Option<String>| -> std::result::Result<String, minijinja::Error> {
            match std::env::var(&name) {
                Ok(v) => Ok(v),
                Err(_) => default.ok_or_else(|| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("env_var('{name}'): the environment variable is not set"),
                    )
                }),
            }
        },
    );
    let known = vars.clone();
    env.add_function(
        "var",
        move |name: String,
              default: Option<minijinja::Value>|
              -> std::result::Result<minijinja::Value, minijinja::Error> {
            match known.get(&name) {
                Some(v) => Ok(minijinja::Value::from(minijinja::value::Serde(v.clone()))),
                None => default.ok_or_else(|| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("Required var '{name}' not found in --vars"),
                    )
                }),
            }
        },
    );
    env.render_str(s, minijinja::context! {}).map_err(|e| {
        let detail = e.detail().map(str::to_string).unwrap_or_else(|| e.to_string());
        format!("cannot render `{s}`: {detail}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_lines_of_a_block_list() {
        let text = "# deps\npackages:\n  - package: a/b\n    version: 1.0.0\n\n  - git: x\n  # note\n  - local: ../y\nother: 1\n";
        assert_eq!(item_lines(text, "packages"), vec![3, 6, 8]);
        let text = "packages:\n- local: a\n- local: b\n";
        assert_eq!(item_lines(text, "packages"), vec![2, 3]);
        assert!(item_lines("packages: []\n", "packages").is_empty());
    }

    #[test]
    fn env_var_is_rendered() {
        // SAFETY of the test: a variable name no other test reads.
        unsafe { std::env::set_var("MOZT_SPEC_TEST_TOKEN", "s3cret") };
        assert_eq!(
            render_str("https://{{ env_var('MOZT_SPEC_TEST_TOKEN') }}@host/r.git", &Vars::new()).unwrap(),
            "https://s3cret@host/r.git"
        );
        assert_eq!(
            render_str("{{ env_var('MOZT_SPEC_UNSET_X', 'd') }}", &Vars::new()).unwrap(),
            "d"
        );
        assert!(render_str("{{ env_var('MOZT_SPEC_UNSET_X') }}", &Vars::new()).is_err());
        let mut vars = Vars::new();
        vars.insert("utils_version".into(), Value::String("1.2.0".into()));
        assert_eq!(render_str("{{ var('utils_version') }}", &vars).unwrap(), "1.2.0");
        assert_eq!(render_str("{{ var('other', '2.0.0') }}", &vars).unwrap(), "2.0.0");
        assert!(render_str("{{ var('other') }}", &vars).is_err());
    }
}
