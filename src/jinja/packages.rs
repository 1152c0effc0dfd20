//! The macros of installed dbt packages, and the root project's `dispatch:` order.
//!
//! The project loader reads each package under `dbt_packages/` (or the root's
//! `packages-install-path`); here its macro files, tagged with the package's name, become that
//! package's namespace.

use serde_json::Value;
use std::path::Path;

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

/// The root project's name, its `dispatch:` order and every installed package's macros (the
/// project loader reads the packages; their macro files carry the package's name).
pub(crate) fn load(project: &Project) -> Result<Packages> {
    let mut packages: Vec<MacroPackage> = vec![];
    for file in &project.macros {
        let Some(name) = file.package.as_deref() else { continue };
        match packages.iter_mut().find(|p| p.name == name) {
            Some(p) => p.files.push(file.clone()),
            None => packages.push(MacroPackage {
                name: name.to_string(),
                files: vec![file.clone()],
            }),
        }
    }
    Ok(Packages {
        root: project.name().to_string(),
        packages,
        dispatch: dispatch_order(project)?,
    })
}

/// The root project's `dispatch:` list: `[{macro_namespace: dbt_utils, search_order: [...]}]`.
fn dispatch_order(project: &Project) -> Result<Vec<(String, Vec<String>)>> {
    if let Some(layout) = &project.dbt {
        return Ok(layout
            .dispatch
            .iter()
            .map(|d| (d.macro_namespace.clone(), d.search_order.clone()))
            .collect());
    }
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
