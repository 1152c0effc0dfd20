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

pub use super::entry::parse_entry;

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
    let found = read_files(dir, shown_dir)?;
    let Some(chosen) = choose(found)? else {
        return Ok(None);
    };
    let specs = chosen.specs(requirer, vars)?;
    Ok(Some(SpecFile {
        path: chosen.shown,
        specs,
    }))
}

/// A packages file as read: its name in messages, its text and its YAML.
struct Found {
    shown: PathBuf,
    text: String,
    doc: Value,
}

/// packages.yml and dependencies.yml of a folder, those that exist.
fn read_files(dir: &Path, shown_dir: &Path) -> Result<Vec<Found>> {
    let mut found = Vec::new();
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
        found.push(Found { shown, text, doc });
    }
    Ok(found)
}

/// The file whose `packages:` counts, after checking both files' keys (as dbt 1.11 does).
fn choose(found: Vec<Found>) -> Result<Option<Found>> {
    let has_packages = |f: &Found| f.doc.get("packages").is_some();
    if found.len() == 2 && found.iter().all(has_packages) {
        return Err(
            Error::project("The 'packages' key cannot be specified in both packages.yml and dependencies.yml")
                .in_file(&found[1].shown)
                .help("move every package into one of the two files"),
        );
    }
    let mut chosen = None;
    for f in found {
        match &f.doc {
            Value::Null => continue,
            Value::Object(map) => {
                for key in map.keys() {
                    f.check_key(key)?;
                }
                if map.contains_key("packages") {
                    chosen = Some(f);
                }
            }
            _ => {
                return Err(Error::project(format!(
                    "{} must be a mapping with a `packages:` list",
                    f.shown.display()
                ))
                .in_file(&f.shown));
            }
        }
    }
    Ok(chosen)
}

impl Found {
    /// A top-level key of a packages file: `packages:`, or `projects:` in dependencies.yml (warned).
    fn check_key(&self, key: &str) -> Result<()> {
        let shown = &self.shown;
        match key {
            "packages" => Ok(()),
            "projects" if shown.ends_with(DEPENDENCIES_FILE) => {
                tracing::warn!(
                    "{}: `projects:` (dependencies on other dbt projects' public models) is not \
                     supported by mozt; it is left out",
                    shown.display()
                );
                Ok(())
            }
            "projects" => Err(Error::project("The 'projects' key cannot be specified in packages.yml")
                .at(key_location(shown, &self.text, key))
                .with_source_line(&self.text)
                .help("put `projects:` in dependencies.yml")),
            other => Err(Error::project(format!("unknown key `{other}` in {}", shown.display()))
                .at(key_location(shown, &self.text, other))
                .with_source_line(&self.text)
                .help("a packages file holds one key, `packages:`, a list of packages")),
        }
    }

    /// The entries of `packages:`, each with the line it starts on.
    fn specs(&self, requirer: &Requirer, vars: &Vars) -> Result<Vec<PackageSpec>> {
        let text = &self.text;
        let entries = match self.doc.get("packages") {
            Some(Value::Array(a)) => a.as_slice(),
            Some(Value::Null) | None => &[],
            Some(_) => {
                return Err(Error::project("`packages:` must be a list of packages")
                    .at(key_location(&self.shown, text, "packages"))
                    .with_source_line(text)
                    .help("write one `- package: ...`, `- git: ...` or `- local: ...` per line"));
            }
        };
        let lines = item_lines(text, "packages");
        let fallback = crate::error::line_of(text, "packages:");
        let mut specs = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let line = if lines.len() == entries.len() {
                Some(lines[i])
            } else {
                fallback
            };
            let origin = Origin {
                requirer: requirer.clone(),
                file: Some(self.shown.clone()),
                line,
            };
            specs.push(parse_entry(entry, origin, vars).map_err(|e| e.with_source_line(text))?);
        }
        Ok(specs)
    }
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
}
