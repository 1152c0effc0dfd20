//! Installed dbt packages as projects of the graph: each folder under the root's
//! `packages-install-path` (default `dbt_packages/`) holding a dbt_project.yml is read the way
//! the root's is, and its model, seed, test, snapshot and macro folders are walked with the
//! root's (their files keep paths relative to the root project, and carry the package's name).
//! A project whose dbt_packages/ is filled runs without `mozt deps`.

use serde_json::{Map, Value};
use std::fs;
use std::path::{Path, PathBuf};

use super::ProjectFile;
use super::dbt_project::{self, DBT_PROJECT_FILE};
use crate::error::{Error, Result};

/// One installed package.
#[derive(Debug, Clone)]
pub struct Package {
    /// Its project name (`name:` of its dbt_project.yml): its nodes' `package_name`, the first
    /// part of their fqn, and the key of its folder configs and scoped vars in the root.
    pub name: String,
    /// Its folder, relative to the root project (`dbt_packages/dbt_utils`).
    pub dir: PathBuf,
    /// Its dbt_project.yml (paths in it are relative to `dir`).
    pub file: ProjectFile,
    /// What `var()` reads in the package's nodes: its own vars, then the root project's
    /// global vars, then the root's vars scoped to the package (later ones win).
    pub vars: Map<String, Value>,
    /// Its `on-run-start` / `on-run-end` hooks (dbt runs a package's too).
    pub on_run_start: Vec<String>,
    pub on_run_end: Vec<String>,
}

impl Package {
    /// Whether the file at `path` (relative to the root project) is the package's.
    pub fn holds(&self, path: &Path) -> bool {
        path.starts_with(&self.dir)
    }
}

/// Every package installed under `install` (relative to `root`), in folder-name order. The
/// root project's vars (`root_vars`, its scoped ones in `scoped`) are laid over each package's.
pub fn load(
    root: &Path,
    install: &str,
    root_vars: &indexmap::IndexMap<String, Value>,
    scoped: &indexmap::IndexMap<String, Map<String, Value>>,
) -> Result<Vec<Package>> {
    let folder = root.join(install);
    let Ok(entries) = fs::read_dir(&folder) else {
        return Ok(vec![]);
    };
    // A folder or a symbolic link to one (`mozt deps` and `dbt deps` install a local package
    // as a link): whatever holds a dbt_project.yml.
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| Path::new(install).join(e.file_name()))
        .filter(|d| root.join(d).join(DBT_PROJECT_FILE).is_file())
        .collect();
    dirs.sort();
    let mut packages: Vec<Package> = vec![];
    for dir in dirs {
        let rel = dir.join(DBT_PROJECT_FILE);
        let text = fs::read_to_string(root.join(&rel)).map_err(|e| Error::io(&rel, e))?;
        let (file, layout) = dbt_project::read_package(&root.join(&dir), &rel, &text)?;
        if let Some(other) = packages.iter().find(|p| p.name == file.name) {
            return Err(Error::project(format!(
                "two installed packages are named '{}': {} and {}",
                file.name,
                other.dir.display(),
                dir.display()
            ))
            .in_file(&rel)
            .help("remove one of them from packages.yml and run `mozt deps` again"));
        }
        let mut vars: Map<String, Value> = file.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        // The package's own dbt_project.yml may scope vars to itself too.
        if let Some(own) = layout.package_vars.get(&file.name) {
            vars.extend(own.clone());
        }
        vars.extend(root_vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(from_root) = scoped.get(&file.name) {
            vars.extend(from_root.clone());
        }
        packages.push(Package {
            name: file.name.clone(),
            dir,
            file,
            vars,
            on_run_start: layout.on_run_start,
            on_run_end: layout.on_run_end,
        });
    }
    Ok(packages)
}
