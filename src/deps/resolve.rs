//! Resolution: from the packages a project asks for to one pinned version of every package,
//! its own dependencies included, in dbt's order.
//!
//! As dbt does, packages are taken breadth first: each requirement is merged into what is known of
//! its package (hub version ranges are intersected; a git package must be asked for at one
//! revision), the package is pinned and fetched, and its own packages file (for a hub package:
//! the hub's list of its dependencies) adds the next requirements. A package is expanded again
//! only when its pin changes, so a cycle of dependencies ends. The result is in the order packages
//! were first required: the install order.

use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::git::{self, Checkout};
use super::hub::{self, Hub};
use super::spec::{self, Origin, PackageSpec, Requirer, Source};
use super::version::{self, Range, Specifier};
use crate::error::{Error, Result};

/// A package pinned to one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    Hub {
        package: String,
        version: String,
        /// The highest version that could be installed (for "update available").
        latest: String,
    },
    Git {
        url: String,
        url_written: String,
        /// The revision asked for (HEAD when none); the commit is in `Resolved::sha`.
        revision: String,
        subdirectory: Option<String>,
        warn_unpinned: bool,
    },
    Local {
        path: String,
    },
    Tarball {
        url: String,
        url_written: String,
        name: String,
    },
}

impl Pin {
    /// How dbt names the package in its output (`Installing <this>`).
    pub fn display_name(&self) -> String {
        match self {
            Pin::Hub { package, .. } => package.clone(),
            Pin::Git { url, subdirectory, .. } => match subdirectory {
                Some(s) => format!("{}/{s}", git::shown_url(url)),
                None => git::shown_url(url),
            },
            Pin::Local { path } => path.clone(),
            Pin::Tarball { name, .. } => name.clone(),
        }
    }
}

/// A pinned package with what fetching it told: its project name and (git) commit.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub pin: Pin,
    pub name: String,
    /// The commit of a git package.
    pub sha: Option<String>,
}

impl Resolved {
    /// The version shown and recorded: the hub version, the git commit, or `local`/`tarball`.
    pub fn version_label(&self) -> String {
        match &self.pin {
            Pin::Hub { version, .. } => version.clone(),
            Pin::Git { revision, .. } => self.sha.clone().unwrap_or_else(|| revision.clone()),
            Pin::Local { .. } => "local".into(),
            Pin::Tarball { .. } => "tarball".into(),
        }
    }
}

/// A package's project name and the packages it asks for.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub name: String,
    pub deps: Vec<PackageSpec>,
    pub sha: Option<String>,
    /// Where the package's files are (a checkout, an unpacked tarball, a local folder); None for
    /// a hub package before it is downloaded.
    pub dir: Option<PathBuf>,
}

/// Fetches packages for resolution and installation, keeping what it fetched for the run.
pub struct Fetcher {
    /// The root project's folder (local packages are relative to it).
    pub root: PathBuf,
    /// How the project folder is shown in messages.
    pub shown_root: PathBuf,
    /// How the install folder is shown in messages (a package's files are named as installed).
    pub install_shown: PathBuf,
    pub hub: Hub,
    /// `--vars`, for `var()` in packages files.
    pub vars: spec::Vars,
    /// A temporary folder for clones and downloads.
    pub downloads: PathBuf,
    checkouts: HashMap<(String, String, Option<String>), Checkout>,
    tarballs: HashMap<String, PathBuf>,
    tarball_dirs: HashMap<String, PathBuf>,
    counter: usize,
}

impl Fetcher {
    pub fn new(
        root: &Path,
        shown_root: &Path,
        install_path: &Path,
        hub: Hub,
        downloads: &Path,
        vars: spec::Vars,
    ) -> Fetcher {
        Fetcher {
            root: root.to_path_buf(),
            shown_root: shown_root.to_path_buf(),
            install_shown: shown_root.join(install_path),
            hub,
            vars,
            downloads: downloads.to_path_buf(),
            checkouts: HashMap::new(),
            tarballs: HashMap::new(),
            tarball_dirs: HashMap::new(),
            counter: 0,
        }
    }

    fn fresh_dir(&mut self, what: &str) -> PathBuf {
        self.counter += 1;
        self.downloads.join(format!("{what}-{}", self.counter))
    }

    /// A clone of `url` at `revision` (kept for the run, also under its commit).
    pub fn checkout(&mut self, url: &str, revision: &str, subdirectory: Option<&str>) -> Result<Checkout> {
        let key = (url.to_string(), revision.to_string(), subdirectory.map(str::to_string));
        if let Some(c) = self.checkouts.get(&key) {
            return Ok(c.clone());
        }
        let dir = self.fresh_dir("git");
        let rev = (revision != "HEAD").then_some(revision);
        let c = git::checkout(url, rev, subdirectory, &dir)?;
        self.checkouts.insert(key, c.clone());
        self.checkouts.insert(
            (url.to_string(), c.sha.clone(), subdirectory.map(str::to_string)),
            c.clone(),
        );
        Ok(c)
    }

    /// Where a tarball was unpacked (its package folder is this, or the one folder inside).
    fn tarballs_root(&self, url: &str) -> PathBuf {
        self.tarball_dirs.get(url).cloned().unwrap_or_default()
    }

    /// A tarball downloaded and unpacked; the package's folder.
    pub fn tarball(&mut self, url: &str, sha1: Option<&str>) -> Result<PathBuf> {
        if let Some(p) = self.tarballs.get(url) {
            return Ok(p.clone());
        }
        let bytes = self.hub.download(url)?;
        if let Some(expected) = sha1 {
            use sha1::Digest;
            let got = hex(&sha1::Sha1::digest(&bytes));
            // GitHub regenerates its archives now and then, so a differing hash is reported, not
            // fatal (dbt does not check it at all).
            if !got.eq_ignore_ascii_case(expected) {
                tracing::warn!(
                    "the tarball {} has SHA-1 {got}, but the hub lists {expected}",
                    git::shown_url(url)
                );
            }
        }
        let dir = self.fresh_dir("tarball");
        let root = super::install::unpack(&bytes, &dir, url)?;
        self.tarballs.insert(url.to_string(), root.clone());
        self.tarball_dirs.insert(url.to_string(), dir);
        Ok(root)
    }

    /// Fetch a pinned package far enough to know its name and its dependencies.
    pub fn metadata(&mut self, pin: &Pin) -> Result<Metadata> {
        match pin {
            Pin::Hub { package, version, .. } => {
                let info = self.hub.version(package, version)?;
                let requirer = Requirer::Package {
                    name: package.clone(),
                    version: version.clone(),
                };
                let mut deps = Vec::new();
                for entry in &info.packages {
                    let origin = Origin {
                        requirer: requirer.clone(),
                        file: None,
                        line: None,
                    };
                    deps.push(spec::parse_entry(entry, origin, &self.vars)?);
                }
                Ok(Metadata {
                    name: info.name,
                    deps,
                    sha: None,
                    dir: None,
                })
            }
            Pin::Git {
                url,
                revision,
                subdirectory,
                ..
            } => {
                let c = self.checkout(url, revision, subdirectory.as_deref())?;
                let short: String = c.sha.chars().take(7).collect();
                self.read_package(&c.root, None, &format!("at {short}"))
                    .map(|m| Metadata {
                        sha: Some(c.sha.clone()),
                        ..m
                    })
            }
            Pin::Local { path } => {
                let dir = super::local::resolve(&self.root, path)?;
                let shown = self.shown_root.join(path);
                self.read_package(&dir, Some(shown), "")
            }
            Pin::Tarball { url, name, .. } => {
                let dir = self.tarball(url, None)?;
                if dir == self.tarballs_root(url) {
                    return Err(Error::project(format!(
                        "Incorrect structure for package extracted from {}: the tarball must hold one folder \
                         with the package's files",
                        git::shown_url(url)
                    )));
                }
                // As dbt does, a tarball package is named by its `name:`, not its dbt_project.yml.
                let meta = self.read_package(&dir, Some(self.install_shown.join(name)), "")?;
                Ok(Metadata {
                    name: name.clone(),
                    ..meta
                })
            }
        }
    }

    /// A package's name (dbt_project.yml) and its packages file, from its folder.
    fn read_package(&self, dir: &Path, shown: Option<PathBuf>, version: &str) -> Result<Metadata> {
        let provisional = shown.clone().unwrap_or_else(|| self.install_shown.join("<package>"));
        let name = super::project::package_name(dir, &provisional)?;
        let shown = shown.unwrap_or_else(|| self.install_shown.join(&name));
        let requirer = Requirer::Package {
            name: name.clone(),
            version: version.to_string(),
        };
        let deps = spec::read_project_specs(dir, &shown, &requirer, &self.vars)?
            .map(|f| f.specs)
            .unwrap_or_default();
        Ok(Metadata {
            name,
            deps,
            sha: None,
            dir: Some(dir.to_path_buf()),
        })
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One requirement on a hub package: the specifiers of one entry, and where it was written.
#[derive(Debug, Clone)]
struct Requirement {
    texts: Vec<String>,
    specs: Vec<Specifier>,
    origin: Origin,
}

/// What is known of a package while resolving.
#[derive(Debug, Clone)]
enum Unpinned {
    Hub {
        package: String,
        reqs: Vec<Requirement>,
        install_prerelease: bool,
    },
    Git {
        url: String,
        url_written: String,
        subdirectory: Option<String>,
        revisions: Vec<(String, Origin)>,
        warn_unpinned: bool,
    },
    Local {
        path: String,
    },
    Tarball {
        url: String,
        url_written: String,
        name: String,
    },
}

/// dbt's key for a package: the hub name, the git URL (with or without `.git`) and subdirectory,
/// the local path, the tarball URL.
fn key_of(source: &Source) -> String {
    match source {
        Source::Hub { package, .. } => format!("hub:{package}"),
        Source::Git { url, subdirectory, .. } => {
            let base = url.strip_suffix(".git").unwrap_or(url);
            match subdirectory {
                Some(s) => format!("git:{base}/{s}"),
                None => format!("git:{base}"),
            }
        }
        Source::Local { path } => format!("local:{path}"),
        Source::Tarball { url, .. } => format!("tarball:{url}"),
    }
}

fn unpinned_of(spec: &PackageSpec) -> Result<Unpinned> {
    Ok(match &spec.source {
        Source::Hub {
            package,
            versions,
            install_prerelease,
        } => {
            let mut specs = Vec::with_capacity(versions.len());
            for v in versions {
                specs.push(Specifier::parse(v).map_err(|e| located(Error::project(e.to_string()), &spec.origin))?);
            }
            Unpinned::Hub {
                package: package.clone(),
                reqs: vec![Requirement {
                    texts: versions.clone(),
                    specs,
                    origin: spec.origin.clone(),
                }],
                install_prerelease: *install_prerelease,
            }
        }
        Source::Git {
            url,
            url_written,
            revision,
            subdirectory,
            warn_unpinned,
        } => Unpinned::Git {
            url: url.clone(),
            url_written: url_written.clone(),
            subdirectory: subdirectory.clone(),
            revisions: revision.iter().map(|r| (r.clone(), spec.origin.clone())).collect(),
            warn_unpinned: *warn_unpinned,
        },
        Source::Local { path } => Unpinned::Local { path: path.clone() },
        Source::Tarball { url, url_written, name } => Unpinned::Tarball {
            url: url.clone(),
            url_written: url_written.clone(),
            name: name.clone(),
        },
    })
}

fn located(mut e: Error, origin: &Origin) -> Error {
    if let Some(loc) = origin.location() {
        e = e.at(loc);
    }
    e
}

/// Merge a new requirement into what is known of its package (the first requirement's kind wins;
/// as in dbt, `install_prerelease` is the first requirer's).
fn incorporate(existing: &mut Unpinned, new: Unpinned) {
    match (existing, new) {
        (Unpinned::Hub { reqs, .. }, Unpinned::Hub { reqs: more, .. }) => reqs.extend(more),
        (
            Unpinned::Git {
                revisions,
                warn_unpinned,
                ..
            },
            Unpinned::Git {
                revisions: more,
                warn_unpinned: w,
                ..
            },
        ) => {
            revisions.extend(more);
            *warn_unpinned = *warn_unpinned && w;
        }
        _ => {}
    }
}

fn requirement_lines(reqs: &[Requirement]) -> String {
    let width = reqs.iter().map(|r| r.texts.join(", ").len()).max().unwrap_or(0);
    reqs.iter()
        .map(|r| format!("\n    {:<width$}  required by {}", r.texts.join(", "), r.origin))
        .collect()
}

/// Pin one package from what is known of it.
fn pin(unpinned: &Unpinned, hub: &mut Hub) -> Result<Pin> {
    match unpinned {
        Unpinned::Hub {
            package,
            reqs,
            install_prerelease,
        } => pin_hub(package, reqs, *install_prerelease, hub),
        Unpinned::Git {
            url,
            url_written,
            subdirectory,
            revisions,
            warn_unpinned,
        } => pin_git(url, url_written, subdirectory, revisions, *warn_unpinned),
        Unpinned::Local { path } => Ok(Pin::Local { path: path.clone() }),
        Unpinned::Tarball { url, url_written, name } => Ok(Pin::Tarball {
            url: url.clone(),
            url_written: url_written.clone(),
            name: name.clone(),
        }),
    }
}

/// A hub package: the highest version the hub offers (for this dbt) that meets every requirement.
fn pin_hub(package: &str, reqs: &[Requirement], install_prerelease: bool, hub: &mut Hub) -> Result<Pin> {
    let first = reqs.first().map(|r| r.origin.clone());
    let at = |e: Error| match &first {
        Some(o) => located(e, o),
        None => e,
    };
    if !hub.in_index(package)? {
        return Err(at(Error::project(format!(
            "Package {package} was not found in the package index ({})",
            hub.base()
        ))
        .help(
            "check the package's name on the hub (namespace/name, e.g. dbt-labs/dbt_utils)",
        )));
    }
    let all: Vec<Specifier> = reqs.iter().flat_map(|r| r.specs.iter().cloned()).collect();
    let Some(range) = Range::of(&all) else {
        return Err(at(Error::project(format!(
            "Version error for package {package}: no version meets every requirement on it:{}",
            requirement_lines(reqs)
        ))
        .help(
            "widen one of the version ranges (or upgrade the package that asks for the other) so that they overlap",
        )));
    };
    let prerelease = install_prerelease || all.iter().any(|s| s.version.prerelease.is_some());
    let offered: Vec<String> = hub
        .versions(package)?
        .iter()
        .filter(|(_, info)| hub::admits_dbt(info))
        .map(|(v, _)| v.clone())
        .collect();
    let candidates = version::installable(&offered, prerelease);
    let Some((_, chosen)) = version::highest_in(&range, &candidates) else {
        let listed: Vec<&str> = candidates.iter().map(|(_, s)| s.as_str()).collect();
        return Err(at(Error::project(format!(
            "Could not find a matching compatible version for package {package}\n  Requested range: {range}\n  \
             Compatible versions: [{}]\n  Requirements:{}",
            listed.join(", "),
            requirement_lines(reqs)
        ))
        .help("change the version range to one the hub offers (versions that require another dbt version are not offered)")));
    };
    let latest = candidates
        .last()
        .map(|(_, s)| s.clone())
        .unwrap_or_else(|| chosen.clone());
    Ok(Pin::Hub {
        package: package.to_string(),
        version: chosen.clone(),
        latest,
    })
}

/// A git package: one revision asked for everywhere (HEAD when none is).
fn pin_git(
    url: &str,
    url_written: &str,
    subdirectory: &Option<String>,
    revisions: &[(String, Origin)],
    warn_unpinned: bool,
) -> Result<Pin> {
    let mut distinct: Vec<&(String, Origin)> = Vec::new();
    for r in revisions {
        if !distinct.iter().any(|d| d.0 == r.0) {
            distinct.push(r);
        }
    }
    if distinct.len() > 1 {
        let lines: String = distinct
            .iter()
            .map(|(rev, origin)| format!("\n    {rev}  required by {origin}"))
            .collect();
        return Err(located(
            Error::project(format!(
                "git dependencies should contain exactly one version. {} is asked for at several revisions:{lines}",
                git::shown_url(url)
            )),
            &distinct[0].1,
        )
        .help("ask for the package at the same revision everywhere"));
    }
    Ok(Pin::Git {
        url: url.to_string(),
        url_written: url_written.to_string(),
        revision: distinct.first().map(|r| r.0.clone()).unwrap_or_else(|| "HEAD".into()),
        subdirectory: subdirectory.clone(),
        warn_unpinned,
    })
}

/// How many packages one resolution may fetch before mozt gives up (a runaway hub).
const MAX_STEPS: usize = 10_000;

/// Resolve the root project's packages and their dependencies.
pub fn resolve(root_specs: &[PackageSpec], root_name: &str, fetcher: &mut Fetcher) -> Result<Vec<Resolved>> {
    let mut known: IndexMap<String, Unpinned> = IndexMap::new();
    let mut expanded: HashMap<String, Pin> = HashMap::new();
    let mut pending: Vec<PackageSpec> = root_specs.to_vec();
    let mut warned: Vec<(String, String)> = Vec::new();
    let mut steps = 0;
    while !pending.is_empty() {
        let mut next = Vec::new();
        for spec in pending {
            steps += 1;
            if steps > MAX_STEPS {
                return Err(Error::project(format!(
                    "resolving packages took more than {MAX_STEPS} steps; a dependency may be asked for in a loop"
                )));
            }
            let key = key_of(&spec.source);
            let new = unpinned_of(&spec)?;
            match known.get_mut(&key) {
                Some(existing) => incorporate(existing, new),
                None => {
                    known.insert(key.clone(), new);
                }
            }
            let Some(unpinned) = known.get(&key) else { continue };
            let pinned = pin(unpinned, &mut fetcher.hub)?;
            if expanded.get(&key) == Some(&pinned) {
                continue;
            }
            if let Pin::Git {
                url,
                revision,
                warn_unpinned: true,
                ..
            } = &pinned
                && !warned.contains(&(url.clone(), revision.clone()))
                && let Some(w) = git::unpinned_warning(url, revision)
            {
                tracing::warn!("{w}");
                warned.push((url.clone(), revision.clone()));
            }
            let meta = fetcher.metadata(&pinned)?;
            next.extend(meta.deps);
            expanded.insert(key, pinned);
        }
        pending = next;
    }
    let mut out: Vec<Resolved> = Vec::with_capacity(known.len());
    for unpinned in known.values() {
        let pinned = pin(unpinned, &mut fetcher.hub)?;
        let meta = fetcher.metadata(&pinned)?;
        out.push(Resolved {
            pin: pinned,
            name: meta.name,
            sha: meta.sha,
        });
    }
    check_names(&out, root_name)?;
    Ok(out)
}

/// Two packages may not share a project name, nor take the root project's.
pub fn check_names(packages: &[Resolved], root_name: &str) -> Result<()> {
    let mut seen: HashMap<&str, &Resolved> = HashMap::new();
    for p in packages {
        if p.name == root_name {
            return Err(Error::project(format!(
                "Found a dependency with the same name as the root project \"{}\" ({}). Package names must be \
                 unique in a project. Please rename one of these packages.",
                p.name,
                p.pin.display_name()
            )));
        }
        if let Some(other) = seen.insert(&p.name, p) {
            return Err(Error::project(format!(
                "Found duplicate project \"{}\": {} and {} both hold a project of that name. This occurs when a \
                 dependency has the same project name as some other dependency.",
                p.name,
                other.pin.display_name(),
                p.pin.display_name()
            ))
            .help("keep one of the two packages"));
        }
    }
    Ok(())
}

/// Pin one entry as it stands (a lock file's entry: an exact version, a commit).
pub fn pin_one(spec: &PackageSpec, hub: &mut Hub) -> Result<Pin> {
    pin(&unpinned_of(spec)?, hub)
}
