//! Git packages: a clone with the `git` command-line tool, checked out at a branch, a tag or a
//! commit (the default branch when no `revision:` is given), and optionally a `subdirectory:`
//! of it as the package.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// A checked-out package.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The clone.
    pub clone: PathBuf,
    /// The package's folder: the clone, or its subdirectory.
    pub root: PathBuf,
    /// The commit checked out (40 hex digits).
    pub sha: String,
}

/// A URL fit to print: a password or token in it is replaced by `***`.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

fn git(dir: Option<&Path>, args: &[&str]) -> std::io::Result<std::process::Output> {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
}

fn missing_git(e: std::io::Error) -> Error {
    Error::runtime(format!("cannot run `git`: {e}")).help("install git: git packages are cloned with it")
}

/// Clone `url` into `into` (which must not exist) and check out `revision`: first a shallow
/// clone of just that revision (as dbt does), then, where the server or the revision does not
/// allow one (an abbreviated commit id), a full clone.
pub fn checkout(url: &str, revision: Option<&str>, subdirectory: Option<&str>, into: &Path) -> Result<Checkout> {
    let shown = shown_url(url);
    let rev = revision.unwrap_or("HEAD");
    let sha = match shallow(url, revision, into)? {
        Some(sha) => sha,
        None => {
            if into.exists() {
                std::fs::remove_dir_all(into).map_err(|e| Error::io(into, e))?;
            }
            full(url, rev, into, &shown)?
        }
    };
    let out = git(
        Some(into),
        &[
            "-c",
            "advice.detachedHead=false",
            "checkout",
            "--quiet",
            "--detach",
            &sha,
        ],
    )
    .map_err(missing_git)?;
    if !out.status.success() {
        return Err(Error::runtime(format!(
            "cannot check out {rev} of {shown}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let root = match subdirectory {
        Some(sub) => {
            let clean = Path::new(sub);
            if clean.is_absolute() || clean.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                return Err(Error::project(format!(
                    "subdirectory `{sub}` must be a folder inside the repository {shown}"
                )));
            }
            let root = into.join(clean);
            if !root.is_dir() {
                return Err(Error::project(format!(
                    "{shown} at {rev} has no folder `{sub}` (the package's `subdirectory:`)"
                ))
                .help("set `subdirectory:` to the folder holding the package's dbt_project.yml"));
            }
            root
        }
        None => into.to_path_buf(),
    };
    Ok(Checkout {
        clone: into.to_path_buf(),
        root,
        sha,
    })
}

fn is_full_sha(rev: &str) -> bool {
    rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A depth-1 clone (or fetch, for a commit id) of the revision; its commit, or None when the
/// shallow way did not work.
fn shallow(url: &str, revision: Option<&str>, into: &Path) -> Result<Option<String>> {
    let target = into.to_string_lossy().to_string();
    let run = |dir: Option<&Path>, args: &[&str]| -> Result<bool> {
        Ok(git(dir, args).map_err(missing_git)?.status.success())
    };
    let (fetched, head) = match revision {
        None | Some("HEAD") => (
            run(
                None,
                &["clone", "--quiet", "--depth", "1", "--no-checkout", "--", url, &target],
            )?,
            "HEAD",
        ),
        Some(sha) if is_full_sha(sha) => {
            std::fs::create_dir_all(into).map_err(|e| Error::io(into, e))?;
            let fetched = run(Some(into), &["init", "--quiet"])?
                && run(Some(into), &["remote", "add", "origin", url])?
                && run(Some(into), &["fetch", "--quiet", "--depth", "1", "origin", sha])?;
            (fetched, "FETCH_HEAD")
        }
        Some(rev) => (
            run(
                None,
                &[
                    "clone",
                    "--quiet",
                    "--depth",
                    "1",
                    "--branch",
                    rev,
                    "--no-checkout",
                    "--",
                    url,
                    &target,
                ],
            )?,
            "HEAD",
        ),
    };
    if !fetched {
        return Ok(None);
    }
    let spec = format!("{head}^{{commit}}");
    let out = git(Some(into), &["rev-parse", "--verify", "--quiet", &spec]).map_err(missing_git)?;
    if !out.status.success() {
        return Ok(None);
    }
    let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if let Some(wanted) = revision.filter(|r| is_full_sha(r))
        && !sha.eq_ignore_ascii_case(wanted)
    {
        return Ok(None);
    }
    Ok(Some(sha))
}

/// A full clone; the commit of `rev` looked up as a branch, a tag, then a commit.
fn full(url: &str, rev: &str, into: &Path, shown: &str) -> Result<String> {
    let target = into.to_string_lossy().to_string();
    tracing::debug!("git clone {shown}");
    let out = git(None, &["clone", "--quiet", "--no-checkout", "--", url, &target]).map_err(missing_git)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).replace(url, shown);
        return Err(Error::runtime(format!("cannot clone {shown}: {}", stderr.trim()))
            .help("check the URL and that this machine may read the repository"));
    }
    let candidates = if rev == "HEAD" {
        vec!["HEAD".to_string()]
    } else {
        vec![
            format!("refs/remotes/origin/{rev}"),
            format!("refs/tags/{rev}"),
            rev.to_string(),
        ]
    };
    for cand in &candidates {
        let spec = format!("{cand}^{{commit}}");
        let out = git(Some(into), &["rev-parse", "--verify", "--quiet", &spec]).map_err(missing_git)?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
    }
    Err(
        Error::project(format!("`{rev}` is not a branch, tag or commit of {shown}"))
            .help("set `revision:` to a branch, a tag or a commit of the repository"),
    )
}

/// dbt's warning for a package that follows a branch instead of a fixed revision.
pub fn unpinned_warning(url: &str, revision: &str) -> Option<String> {
    let how = match revision {
        "HEAD" => "not pinned, using HEAD (default branch)".to_string(),
        "main" | "master" => format!("pinned to the \"{revision}\" branch"),
        _ => return None,
    };
    Some(format!(
        "The git package \"{}\" is {how}. This can introduce breaking changes into your project without warning! \
         Pin it with `revision:` (a tag or a commit), or set `warn-unpinned: false`.",
        shown_url(url)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_in_urls() {
        assert_eq!(
            shown_url("https://user:tok@github.com/a/b.git"),
            "https://***@github.com/a/b.git"
        );
        assert_eq!(shown_url("https://github.com/a/b.git"), "https://github.com/a/b.git");
        assert_eq!(shown_url("git@github.com:a/b.git"), "git@github.com:a/b.git");
    }
}
