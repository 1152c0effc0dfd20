//! dbt packages: `packages.yml` / `dependencies.yml`, resolution (hub version ranges, git
//! revisions, local folders, transitive dependencies), `package-lock.yml`, and installation into
//! `dbt_packages/` (or `packages-install-path`). `mozt deps` runs [`deps`]; the project loader
//! lists what is installed with [`installed`].

pub mod add;
mod entry;
pub mod git;
pub mod hub;
pub mod install;
pub mod local;
pub mod lock;
pub mod project;
pub mod resolve;
pub mod spec;
pub mod version;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use resolve::{Fetcher, Pin, Resolved};
use spec::Requirer;

/// What `mozt deps` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Resolve again even when package-lock.yml matches the packages file.
    pub upgrade: bool,
    /// Only write package-lock.yml; install nothing.
    pub lock_only: bool,
    /// `--add-package NAME@VERSION` and its `--source`: added to the packages file first.
    pub add_package: Option<(String, add::AddSource)>,
    /// `--vars`: what `var()` in packages files reads.
    pub vars: spec::Vars,
}

/// How a folder is named in messages: relative paths stay as given, `.` disappears.
fn shown_root(dir: &Path) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::new()
    } else {
        dir.to_path_buf()
    }
}

/// `mozt deps`: resolve (or read the lock), write package-lock.yml, install. Each line of
/// progress goes to `say`.
pub fn deps(dir: &Path, options: Options, say: &mut dyn FnMut(&str)) -> Result<()> {
    run_deps(dir, options, say).map_err(with_snippet)
}

/// Show the line an error points at, when the error has none yet and the file is readable.
fn with_snippet(e: Error) -> Error {
    if e.snippet.is_some() {
        return e;
    }
    let text = e
        .location
        .as_ref()
        .filter(|l| l.line.is_some())
        .and_then(|l| std::fs::read_to_string(&l.file).ok());
    match text {
        Some(text) => e.with_source_line(&text),
        None => e,
    }
}

fn run_deps(dir: &Path, options: Options, say: &mut dyn FnMut(&str)) -> Result<()> {
    let shown = shown_root(dir);
    let keys = project::read(dir, &shown)?;
    let install_dir = dir.join(&keys.install_path);
    if let Some((package, source)) = &options.add_package {
        add::add_package(dir, &shown, package, *source, say)?;
    }
    let specs = spec::read_project_specs(dir, &shown, &Requirer::Root, &options.vars)?
        .map(|f| f.specs)
        .unwrap_or_default();
    let staging = install::Staging::new(&install_dir)?;
    let mut fetcher = Fetcher::new(
        dir,
        &shown,
        &keys.install_path,
        hub::Hub::from_env(),
        &staging.downloads,
        options.vars.clone(),
    );

    if specs.is_empty() {
        say("Warning: No packages were found in packages.yml");
        if !options.lock_only {
            staging.commit(&install_dir)?;
        }
        return Ok(());
    }

    let packages = pinned(dir, &shown, &specs, &keys.name, &options, &mut fetcher, say)?;
    if options.lock_only {
        return Ok(());
    }

    let updates = install_all(&packages, &mut fetcher, &staging, say)?;
    staging.commit(&install_dir)?;
    if !updates.is_empty() {
        let list: Vec<String> = updates.iter().map(|u| format!("'{u}'")).collect();
        say("");
        say(&format!("Updates available for packages: [{}]", list.join(", ")));
        say("Update your versions in packages.yml, then run mozt deps");
    }
    Ok(())
}

/// The packages to install: resolved anew (and the lock file written) when the lock is missing,
/// stale or --upgrade asks for it; otherwise as the lock file pins them.
fn pinned(
    dir: &Path,
    shown: &Path,
    specs: &[spec::PackageSpec],
    root_name: &str,
    options: &Options,
    fetcher: &mut Fetcher,
    say: &mut dyn FnMut(&str),
) -> Result<Vec<Resolved>> {
    let hash = lock::spec_hash(specs);
    let previous = lock::read(dir, shown, &options.vars)?;
    let stale = match &previous {
        None => true,
        Some(l) => options.upgrade || l.hash.as_deref() != Some(hash.as_str()),
    };
    Ok(if stale {
        let resolved = resolve::resolve(specs, root_name, fetcher)?;
        let lock_path = dir.join(lock::LOCK_FILE);
        write_atomically(&lock_path, &lock::render(&resolved, &hash))?;
        say(&format!(
            "Updating lock file in file path: {}",
            shown.join(lock::LOCK_FILE).display()
        ));
        resolved
    } else {
        let lock = previous.map(|l| l.specs).unwrap_or_default();
        resolve_locked(&lock, root_name, fetcher)?
    })
}

/// Install every package into the staging folder, saying what each is; the hub packages that
/// have a newer version.
fn install_all(
    packages: &[Resolved],
    fetcher: &mut Fetcher,
    staging: &install::Staging,
    say: &mut dyn FnMut(&str),
) -> Result<Vec<String>> {
    let mut updates = Vec::new();
    for p in packages {
        say(&format!("Installing {}", p.pin.display_name()));
        install::install_one(p, fetcher, staging)?;
        say(&format!("  Installed from {}", nice_version(p)));
        if let Pin::Hub {
            package,
            version,
            latest,
        } = &p.pin
        {
            if latest != version {
                say(&format!("  Updated version available: {latest}"));
                updates.push(package.clone());
            } else {
                say("  Up to date!");
            }
        }
        if let Pin::Git {
            subdirectory: Some(sub),
            ..
        } = &p.pin
        {
            say(&format!("  and subdirectory {sub}"));
        }
    }
    Ok(updates)
}

/// dbt's "Installed from ..." wording.
fn nice_version(p: &Resolved) -> String {
    match &p.pin {
        Pin::Hub { version, .. } => format!("version {version}"),
        Pin::Git { revision, .. } if revision == "HEAD" && p.sha.is_none() => "HEAD (default revision)".into(),
        Pin::Git { .. } => format!("revision {}", p.version_label()),
        Pin::Local { path } => format!("<local @ {path}>"),
        Pin::Tarball { url, .. } => format!("tarball (url: {})", git::shown_url(url)),
    }
}

/// The packages a lock lists, pinned as listed (no resolution; the hub is asked only for the
/// listed versions' downloads and for the latest versions).
fn resolve_locked(specs: &[spec::PackageSpec], root_name: &str, fetcher: &mut Fetcher) -> Result<Vec<Resolved>> {
    let mut out = Vec::with_capacity(specs.len());
    for s in specs {
        let pinned = resolve::pin_one(s, &mut fetcher.hub)?;
        let meta = fetcher.metadata(&pinned)?;
        out.push(Resolved {
            pin: pinned,
            name: meta.name,
            sha: meta.sha,
        });
    }
    resolve::check_names(&out, root_name)?;
    Ok(out)
}

fn write_atomically(path: &Path, text: &str) -> Result<()> {
    crate::files::write_atomic(path, text.as_bytes()).map_err(|e| Error::io(path, e))
}

/// An installed package: its project name, folder and version (the hub version, the git commit,
/// `local` or `tarball`; None when no lock file says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    pub name: String,
    pub path: PathBuf,
    pub version: Option<String>,
}

/// The packages installed for the project in `root`, in install order (package-lock.yml's order;
/// without a lock, by folder name). A project whose packages folder is filled needs no `mozt
/// deps`; one whose packages file lists more packages than are installed is told to run it.
pub fn installed(root: &Path) -> Result<Vec<InstalledPackage>> {
    let shown = shown_root(root);
    let keys = project::read(root, &shown)?;
    let install_dir = root.join(&keys.install_path);
    // `var()` in a packages file reads --vars; here (no command line) their defaults.
    let vars = spec::Vars::new();
    let specs = spec::read_project_specs(root, &shown, &Requirer::Root, &vars)?;
    let lock = lock::read(root, &shown, &vars)?;
    let mut out = Vec::new();
    match &lock {
        Some(l) => {
            for s in &l.specs {
                let Some(name) = s.name.clone() else {
                    return Err(Error::project(format!(
                        "an entry of {} has no `name:`",
                        shown.join(lock::LOCK_FILE).display()
                    ))
                    .help("run `mozt deps --upgrade` to write the lock file again"));
                };
                let path = install_dir.join(&name);
                if project::project_file(&path).is_none() {
                    return Err(not_installed(&keys.install_path, &name));
                }
                let version = match &s.source {
                    spec::Source::Hub { versions, .. } => versions.first().cloned(),
                    spec::Source::Git { revision, .. } => revision.clone(),
                    spec::Source::Local { .. } => Some("local".into()),
                    spec::Source::Tarball { .. } => Some("tarball".into()),
                };
                out.push(InstalledPackage { name, path, version });
            }
            if let Some(f) = &specs
                && l.hash.as_deref() != Some(lock::spec_hash(&f.specs).as_str())
            {
                tracing::warn!(
                    "{} does not match {}: run `mozt deps` to install the packages it lists now",
                    shown.join(lock::LOCK_FILE).display(),
                    f.path.display()
                );
            }
        }
        None => {
            if let Ok(entries) = std::fs::read_dir(&install_dir) {
                let mut dirs: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| project::project_file(p).is_some())
                    .collect();
                dirs.sort();
                for path in dirs {
                    let name = project::package_name(&path, &path)?;
                    out.push(InstalledPackage {
                        name,
                        path,
                        version: None,
                    });
                }
            }
        }
    }
    let wanted = specs.as_ref().map(|f| f.specs.len()).unwrap_or(0);
    if out.len() < wanted {
        let file = specs.as_ref().map(|f| f.path.display().to_string()).unwrap_or_default();
        return Err(Error::project(format!(
            "found {wanted} package(s) specified in {file}, but only {} package(s) installed in {}",
            out.len(),
            keys.install_path.display()
        ))
        .help("run `mozt deps` to install package dependencies"));
    }
    Ok(out)
}

fn not_installed(install_path: &Path, name: &str) -> Error {
    Error::project(format!(
        "package {name} (in package-lock.yml) is not installed in {}",
        install_path.display()
    ))
    .help("run `mozt deps` to install package dependencies")
}
