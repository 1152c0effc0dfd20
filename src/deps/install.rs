//! Installing resolved packages into `dbt_packages/` (or `packages-install-path`) atomically:
//! everything is downloaded and laid out in a staging folder beside it, and only when every
//! package is in place does the staging folder replace the old install (two renames). A failed
//! `mozt deps` leaves the previous install as it was.

use std::path::{Path, PathBuf};

use super::resolve::{Fetcher, Pin, Resolved};
use crate::error::{Error, Result};

const STAGING_PREFIX: &str = ".mozt-deps-";

/// Remove staging folders left by a `mozt deps` that was killed (its process is gone).
fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) = name
            .strip_prefix(STAGING_PREFIX)
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        if !alive && cfg!(target_os = "linux") {
            tracing::debug!("removing the stale staging folder {}", e.path().display());
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A staging folder next to the install folder; removed when dropped.
pub struct Staging {
    base: PathBuf,
    pub downloads: PathBuf,
    pub packages: PathBuf,
}

impl Staging {
    pub fn new(install_dir: &Path) -> Result<Staging> {
        let parent = install_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        remove_stale(parent);
        let base = parent.join(format!("{STAGING_PREFIX}{}-{stamp}", std::process::id()));
        let downloads = base.join("downloads");
        let packages = base.join("packages");
        for d in [&downloads, &packages] {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
        }
        Ok(Staging {
            base,
            downloads,
            packages,
        })
    }

    /// Put the staged packages in place of `install_dir`.
    pub fn commit(self, install_dir: &Path) -> Result<()> {
        let old = self.base.join("old");
        let had_old = std::fs::symlink_metadata(install_dir).is_ok();
        if had_old {
            std::fs::rename(install_dir, &old)
                .map_err(|e| Error::runtime(format!("cannot move the old {} aside: {e}", install_dir.display())))?;
        }
        if let Err(e) = std::fs::rename(&self.packages, install_dir) {
            if had_old {
                let _ = std::fs::rename(&old, install_dir);
            }
            return Err(Error::runtime(format!(
                "cannot move the packages into {}: {e}",
                install_dir.display()
            )));
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.base)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("cannot remove the staging folder {}: {e}", self.base.display());
        }
    }
}

/// Lay one package out under `packages/<name>` of the staging folder.
pub fn install_one(p: &Resolved, fetcher: &mut Fetcher, staging: &Staging) -> Result<()> {
    let dest = staging.packages.join(&p.name);
    match &p.pin {
        Pin::Hub { package, version, .. } => {
            let info = fetcher.hub.version(package, version)?;
            let dir = fetcher.tarball(&info.tarball, info.sha1.as_deref())?;
            move_dir(&dir, &dest)
        }
        Pin::Git { url, subdirectory, .. } => {
            let rev = p.sha.clone().unwrap_or_else(|| "HEAD".into());
            let c = fetcher.checkout(url, &rev, subdirectory.as_deref())?;
            let git_dir = c.clone.join(".git");
            if git_dir.exists() {
                std::fs::remove_dir_all(&git_dir).map_err(|e| Error::io(&git_dir, e))?;
            }
            move_dir(&c.root, &dest)
        }
        Pin::Local { path } => {
            let src = super::local::resolve(&fetcher.root, path)?;
            super::local::install(&src, &dest)
        }
        Pin::Tarball { url, .. } => {
            let dir = fetcher.tarball(url, None)?;
            move_dir(&dir, &dest)
        }
    }
}

fn move_dir(src: &Path, dest: &Path) -> Result<()> {
    if std::fs::rename(src, dest).is_ok() {
        return Ok(());
    }
    copy_dir(src, dest)
}

/// Copy a folder (files, folders and links; a link is copied as a link).
pub fn copy_dir(src: &Path, dest: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(src).follow_links(false) {
        let entry = entry.map_err(|e| Error::runtime(format!("cannot read {}: {e}", src.display())))?;
        let rel = entry.path().strip_prefix(src).unwrap_or(Path::new(""));
        let to = dest.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&to).map_err(|e| Error::io(&to, e))?;
        } else if ft.is_symlink() {
            #[cfg(unix)]
            {
                let target = std::fs::read_link(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
                std::os::unix::fs::symlink(target, &to).map_err(|e| Error::io(&to, e))?;
            }
        } else {
            std::fs::copy(entry.path(), &to).map_err(|e| Error::io(&to, e))?;
        }
    }
    Ok(())
}

/// Unpack a .tar.gz into `dir`; the package's folder is the tarball's one top-level folder (as in
/// GitHub's tarballs, `dbt-utils-1.1.0/`), or `dir` itself when it has several.
pub fn unpack(bytes: &[u8], dir: &Path, url: &str) -> Result<PathBuf> {
    let bad = |e: std::io::Error| {
        Error::runtime(format!("cannot unpack {}: {e}", super::git::shown_url(url)))
            .help("the download is not a .tar.gz archive, or it is damaged")
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    archive.set_preserve_permissions(false);
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir() || kind.is_symlink() || kind.is_hard_link()) {
            continue;
        }
        // `unpack_in` refuses paths that leave `dir`.
        if !entry.unpack_in(dir).map_err(bad)? {
            let path = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            return Err(Error::runtime(format!(
                "{} holds a path outside its folder ({path}); it is not installed",
                super::git::shown_url(url)
            )));
        }
    }
    let mut top: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    if top.len() == 1 && top[0].is_dir() {
        return Ok(top.remove(0));
    }
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tarball(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut b = tar::Builder::new(enc);
        for (path, kind, data) in entries {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // Written raw, so that a path leaving the folder reaches the unpacker.
            let name = &mut h.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn github_style_tarballs_unpack_to_their_one_folder() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = tarball(&[
            (
                "pax_global_header",
                tar::EntryType::XGlobalHeader,
                b"52 comment=0123456789abcdef0123456789abcdef01234567\n",
            ),
            ("dbt-utils-1.1.0/", tar::EntryType::Directory, b""),
            (
                "dbt-utils-1.1.0/dbt_project.yml",
                tar::EntryType::Regular,
                b"name: dbt_utils\n",
            ),
        ]);
        let root = unpack(&bytes, &dir.path().join("x"), "https://example.com/t.tar.gz").unwrap();
        assert_eq!(root, dir.path().join("x/dbt-utils-1.1.0"));
        assert!(root.join("dbt_project.yml").exists());
    }

    #[test]
    fn paths_leaving_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = tarball(&[("../evil.txt", tar::EntryType::Regular, b"x")]);
        let err = unpack(&bytes, &dir.path().join("x"), "https://example.com/t.tar.gz").unwrap_err();
        assert!(err.to_string().contains("outside its folder"), "{err}");
        assert!(!dir.path().join("evil.txt").exists());
    }
}
