//! The macros of installed dbt packages, and the root project's `dispatch:` order.
//!
//! A package is a folder under `dbt_packages/` (or the root's `packages-install-path`) with a
//! `dbt_project.yml` whose `name:` is the package's namespace and whose `macro-paths:`
//! (default `macros`) hold its macro files. Only macros are read here: a package's models,
//! seeds and sources are the project loader's.

use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::project::{Project, SourceFile};

/// One package's macro files (paths relative to the root project).
#[derive(Debug, Clone)]
pub(crate) struct MacroPackage {
    pub(crate) name: String,
    pub(crate) files: Vec<SourceFile>,
}

/// What the environment needs of the root project and its packages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Packages {
    /// The root project's name (its own macro namespace).
    pub(crate) root: String,
    pub(crate) packages: Vec<MacroPackage>,
    /// The root's `dispatch:` entries: macro namespace -> search order.
    pub(crate) dispatch: Vec<(String, Vec<String>)>,
}

/// Folders deeper than this under a macro path are not read.
const MAX_DEPTH: usize = 32;

/// The root project's name, its `dispatch:` order and every installed package's macros.
pub(crate) fn load(project: &Project) -> Result<Packages> {
    let keys = crate::deps::project::read(&project.root, Path::new(""))?;
    let install_dir = project.root.join(&keys.install_path);
    let mut packages = vec![];
    if install_dir.is_dir() {
        for dir in sorted_entries(&install_dir)?.into_iter().filter(|p| p.is_dir()) {
            if let Some(package) = load_package(&project.root, &dir)? {
                packages.push(package);
            }
        }
    }
    Ok(Packages {
        root: project.name().to_string(),
        packages,
        dispatch: dispatch_order(project)?,
    })
}

/// The package in `dir` (None: the folder holds no project file).
fn load_package(root: &Path, dir: &Path) -> Result<Option<MacroPackage>> {
    let Some(file) = crate::deps::project::project_file(dir) else {
        return Ok(None);
    };
    let shown = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
    let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&shown, e))?;
    let doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| crate::error::yaml_error(&shown, &e, &text))?;
    let name = doc.get("name").and_then(Value::as_str).ok_or_else(|| {
        Error::project(format!("{} has no `name:`", shown.display()))
            .in_file(&shown)
            .help("a package's dbt_project.yml names it: `name: my_package`")
    })?;
    let macro_paths: Vec<String> = match doc.get("macro-paths") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => vec!["macros".to_string()],
    };
    let mut files = vec![];
    for folder in macro_paths {
        read_sql_files(root, &dir.join(folder), 0, &mut files)?;
    }
    Ok(Some(MacroPackage {
        name: name.to_string(),
        files,
    }))
}

/// Every `.sql` file under `dir`, depth first in name order.
fn read_sql_files(root: &Path, dir: &Path, depth: usize, out: &mut Vec<SourceFile>) -> Result<()> {
    if depth > MAX_DEPTH || !dir.is_dir() {
        return Ok(());
    }
    for path in sorted_entries(dir)? {
        let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            read_sql_files(root, &path, depth + 1, out)?;
        } else if path.extension().is_some_and(|e| e == "sql") {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&rel, e))?;
            out.push(SourceFile {
                path: rel,
                text: text.into(),
            });
        }
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let listing = |e: std::io::Error| Error::project(format!("cannot list {}: {e}", dir.display()));
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).map_err(listing)? {
        out.push(entry.map_err(listing)?.path());
    }
    out.sort();
    Ok(out)
}

/// The root project's `dispatch:` list: `[{macro_namespace: dbt_utils, search_order: [...]}]`.
fn dispatch_order(project: &Project) -> Result<Vec<(String, Vec<String>)>> {
    let Some(value) = project.file.other.get("dispatch") else {
        return Ok(vec![]);
    };
    let file = Path::new(crate::project::config::PROJECT_FILE);
    let bad = || {
        Error::project("`dispatch:` must be a list of {macro_namespace: NAME, search_order: [PACKAGE, ...]}")
            .at(Location::at(
                file,
                crate::error::line_of(&project.file_text, "dispatch").unwrap_or(1),
            ))
            .with_source_line(&project.file_text)
            .help("e.g. dispatch: [{macro_namespace: dbt_utils, search_order: [my_project, dbt_utils]}]")
    };
    let entries = value.as_array().ok_or_else(bad)?;
    let mut out = vec![];
    for entry in entries {
        let namespace = entry.get("macro_namespace").and_then(Value::as_str).ok_or_else(bad)?;
        let order = entry
            .get("search_order")
            .and_then(Value::as_array)
            .ok_or_else(bad)?
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<Vec<String>>>()?;
        out.push((namespace.to_string(), order));
    }
    Ok(out)
}
