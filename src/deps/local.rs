//! Local packages: a folder (relative to the root project, as dbt resolves it), installed as a
//! symbolic link to it (a copy where links are not possible).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The package's folder, absolute.
pub fn resolve(root: &Path, path: &str) -> Result<PathBuf> {
    let joined = root.join(path);
    let abs = std::fs::canonicalize(&joined).map_err(|e| {
        Error::project(format!("local package `{path}` not found ({}): {e}", joined.display()))
            .help("`local:` is a folder relative to the project that holds the packages file")
    })?;
    if !abs.is_dir() {
        return Err(Error::project(format!("local package `{path}` is not a folder")));
    }
    Ok(abs)
}

/// Link `dest` to `src` (copy the folder when a link cannot be made).
pub fn install(src: &Path, dest: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        if std::os::unix::fs::symlink(src, dest).is_ok() {
            return Ok(());
        }
    }
    super::install::copy_dir(src, dest)
}
