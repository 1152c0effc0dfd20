//! The few keys of a project file that `mozt deps` needs: the project's `name` and
//! `packages-install-path`, read from mozt's `project.yml` or dbt's `dbt_project.yml`.

use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const DBT_PROJECT_FILE: &str = "dbt_project.yml";
pub const DEFAULT_INSTALL_PATH: &str = "dbt_packages";

#[derive(Debug, Clone)]
pub struct ProjectKeys {
    pub name: String,
    /// Where packages are installed, relative to the project (or absolute).
    pub install_path: PathBuf,
}

/// The project file of a folder: `project.yml` first, then `dbt_project.yml`.
pub fn project_file(dir: &Path) -> Option<PathBuf> {
    [crate::project::config::PROJECT_FILE, DBT_PROJECT_FILE]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// Read `name` and `packages-install-path` of the project in `dir`; `shown` is how its folder is
/// named in messages.
pub fn read(dir: &Path, shown: &Path) -> Result<ProjectKeys> {
    let Some(path) = project_file(dir) else {
        return Err(Error::project(format!(
            "No {DBT_PROJECT_FILE} (or project.yml) found at expected path {}",
            shown.display()
        ))
        .help("a package is a dbt project: its folder must hold a dbt_project.yml"));
    };
    let shown_file = shown.join(path.file_name().unwrap_or_default());
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&shown_file, e))?;
    let doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| crate::error::yaml_error(&shown_file, &e, &text))?;
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            Error::project(format!("{} has no `name:`", shown_file.display()))
                .in_file(&shown_file)
                .help("give the project a name: `name: my_project`")
        })?;
    let install_path = match doc.get("packages-install-path") {
        None | Some(Value::Null) => PathBuf::from(DEFAULT_INSTALL_PATH),
        Some(Value::String(s)) if !s.trim().is_empty() => PathBuf::from(s.trim()),
        Some(_) => {
            return Err(Error::project("`packages-install-path:` must be a folder name")
                .at(crate::error::Location::at(
                    &shown_file,
                    crate::error::line_of(&text, "packages-install-path").unwrap_or(1),
                ))
                .with_source_line(&text));
        }
    };
    Ok(ProjectKeys { name, install_path })
}

/// The name of the package project in `dir` (its dbt_project.yml's `name`).
pub fn package_name(dir: &Path, shown: &Path) -> Result<String> {
    Ok(read(dir, shown)?.name)
}
