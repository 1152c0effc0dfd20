//! The selector language: `-s`/`--select` and `--exclude`.
//!
//! A selection is a list of arguments; within one argument, spaces mean union and commas mean
//! intersection. An atom is `[@][N+]method:value[+N]`, or a bare name. Methods: `tag:`, `path:`,
//! `resource_type:`, `source:`, `config.<key>:`, `package:`, `fqn:`, `test_name:`, `test_type:`,
//! `state:` and `result:` (against `--state DIR`), and `name:` (the default). Values accept `*`
//! and `?` wildcards.
//! Tests attached to selected nodes are selected with them (dbt's eager indirect selection).

use petgraph::Direction;
use std::collections::BTreeSet;
use std::path::Path;

use super::{Dag, Key};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, ResourceType};
use crate::state::PreviousState;
use crate::state::checksum::Checksums;

/// What selection reads: the manifest and DAG, and for `state:`/`result:` the previous run.
pub(crate) struct Context<'a> {
    pub manifest: &'a Manifest,
    pub dag: &'a Dag,
    pub state: Option<&'a StateView<'a>>,
}

/// The previous run and the current checksums of every node and source, to compare.
pub(crate) struct StateView<'a> {
    pub previous: &'a PreviousState,
    pub nodes: &'a [Checksums],
    pub sources: Vec<Checksums>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Atom {
    at: bool,
    parents: Option<Option<usize>>,
    children: Option<Option<usize>>,
    method: String,
    value: String,
}

/// `select` with the previous run available to `state:` and `result:`.
pub(crate) fn select_in(ctx: &Context, select: &[String], exclude: &[String]) -> Result<BTreeSet<Key>> {
    let manifest = ctx.manifest;
    let mut chosen: BTreeSet<Key> = if select.is_empty() {
        all_keys(manifest)
    } else {
        let mut s = BTreeSet::new();
        for arg in select {
            let found = eval_arg(ctx, arg)?;
            if found.is_empty() {
                tracing::warn!("--select '{arg}' matches no node (check the name, tag or path)");
            }
            s.extend(found);
        }
        add_attached_tests(manifest, &mut s);
        s
    };
    for arg in exclude {
        let mut ex = eval_arg(ctx, arg)?;
        add_attached_tests(manifest, &mut ex);
        chosen.retain(|k| !ex.contains(k));
    }
    Ok(chosen)
}

fn all_keys(manifest: &Manifest) -> BTreeSet<Key> {
    (0..manifest.nodes.len())
        .map(Key::Node)
        .chain((0..manifest.sources.len()).map(Key::Source))
        .collect()
}

/// Tests that read any selected node come along, as with dbt's default ("eager") indirect
/// selection: a relationships test between a selected and an unselected model is selected
/// too, and reads the unselected one where it is (or, with `--defer`, where the state's run
/// built it). Excluding a node excludes every test that reads it, the same way.
pub(crate) fn add_attached_tests(manifest: &Manifest, set: &mut BTreeSet<Key>) {
    let selected_ids: BTreeSet<&str> = set
        .iter()
        .map(|k| match k {
            Key::Node(i) => manifest.nodes[*i].unique_id.as_str(),
            Key::Source(i) => manifest.sources[*i].unique_id.as_str(),
        })
        .collect();
    let extra: Vec<Key> = manifest
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.resource_type, ResourceType::Test | ResourceType::UnitTest))
        .filter(|(_, n)| n.depends_on.iter().any(|d| selected_ids.contains(d.as_str())))
        .map(|(i, _)| Key::Node(i))
        .collect();
    set.extend(extra);
}

/// One `--select` argument (no tests added).
pub(crate) fn eval_arg(ctx: &Context, arg: &str) -> Result<BTreeSet<Key>> {
    let mut union = BTreeSet::new();
    for term in arg.split_whitespace() {
        let mut inter: Option<BTreeSet<Key>> = None;
        for part in term.split(',').filter(|p| !p.is_empty()) {
            let atom = parse_atom(part)?;
            let set = eval_atom(ctx, &atom)?;
            inter = Some(match inter {
                None => set,
                Some(prev) => prev.intersection(&set).copied().collect(),
            });
        }
        union.extend(inter.unwrap_or_default());
    }
    Ok(union)
}

fn parse_atom(text: &str) -> Result<Atom> {
    let bad = || {
        Error::project(format!("cannot read the selector '{text}'"))
            .help("use a model name, tag:NAME, path:DIR, source:NAME, resource_type:model, with + before/after for parents/children")
    };
    let mut s = text;
    let at = s.starts_with('@');
    if at {
        s = &s[1..];
    }
    let mut parents = None;
    if let Some(idx) = s.find('+') {
        let head = &s[..idx];
        if head.chars().all(|c| c.is_ascii_digit()) && !s[..idx + 1].contains(':') {
            parents = Some(if head.is_empty() {
                None
            } else {
                Some(head.parse().map_err(|_| bad())?)
            });
            s = &s[idx + 1..];
        }
    }
    let mut children = None;
    if let Some(idx) = s.rfind('+') {
        let tail = &s[idx + 1..];
        if tail.chars().all(|c| c.is_ascii_digit()) {
            children = Some(if tail.is_empty() {
                None
            } else {
                Some(tail.parse().map_err(|_| bad())?)
            });
            s = &s[..idx];
        }
    }
    if s.is_empty() || s.contains('+') {
        return Err(bad());
    }
    let (method, value) = match s.split_once(':') {
        Some((m, v)) => (m.to_string(), v.to_string()),
        None if s.contains('/') || s.ends_with(".sql") || s.ends_with(".csv") => ("path".into(), s.to_string()),
        None => ("name".into(), s.to_string()),
    };
    if value.is_empty() {
        return Err(bad());
    }
    Ok(Atom {
        at,
        parents,
        children,
        method,
        value,
    })
}

fn eval_atom(ctx: &Context, atom: &Atom) -> Result<BTreeSet<Key>> {
    let dag = ctx.dag;
    let base = match atom.method.as_str() {
        "state" | "result" => super::state_methods::matching(ctx, &atom.method, &atom.value)?,
        _ => matching(ctx.manifest, atom)?,
    };
    let mut out = base.clone();
    for &k in &base {
        if let Some(depth) = atom.parents {
            out.extend(dag.reach(k, Direction::Incoming, depth));
        }
        if atom.children.is_some() || atom.at {
            let desc = dag.reach(k, Direction::Outgoing, atom.children.flatten());
            if atom.at {
                for &d in &desc {
                    out.extend(dag.reach(d, Direction::Incoming, None));
                }
            }
            out.extend(desc);
        }
    }
    Ok(out)
}

fn matching(manifest: &Manifest, atom: &Atom) -> Result<BTreeSet<Key>> {
    let v = atom.value.as_str();
    let mut out = BTreeSet::new();
    match atom.method.as_str() {
        "source" => {
            for (i, s) in manifest.sources.iter().enumerate() {
                let full = format!("{}.{}", s.source_name, s.name);
                if glob(v, &s.source_name) || glob(v, &full) || glob(v, &format!("{}.{full}", manifest.project_name)) {
                    out.insert(Key::Source(i));
                }
            }
            return Ok(out);
        }
        "name" | "fqn" | "path" | "tag" | "resource_type" | "package" | "test_name" | "test_type" => {}
        m if m.starts_with("config.") => {}
        other => {
            return Err(Error::project(format!("unknown selector method '{other}:'"))
                .help("methods: tag, path, source, resource_type, config.<key>, package, fqn, test_name, test_type, state, result"));
        }
    }
    for (i, n) in manifest.nodes.iter().enumerate() {
        let hit = match atom.method.as_str() {
            "name" => glob(v, &n.name) || v == n.package_name || fqn_matches(v, &n.fqn),
            "fqn" => fqn_matches(v, &n.fqn),
            "path" => path_matches(v, &n.original_file_path),
            "tag" => n.settings.tags.iter().any(|t| glob(v, t)),
            "resource_type" => {
                n.resource_type.as_str() == v || (v == "test" && n.resource_type == ResourceType::UnitTest)
            }
            "package" => glob(v, &n.package_name),
            "test_name" => n.test.as_ref().is_some_and(|t| glob(v, &t.test_name)),
            "test_type" => match (&n.test, n.resource_type) {
                (_, ResourceType::UnitTest) => v == "unit",
                (Some(t), _) if t.test_name == "singular" => v == "singular" || v == "data",
                (Some(_), _) => v == "generic" || v == "data",
                _ => false,
            },
            m => {
                let key = &m["config.".len()..];
                match n.config.get(key) {
                    Some(serde_json::Value::String(s)) => glob(v, s),
                    Some(serde_json::Value::Array(a)) => a.iter().any(|x| x.as_str().is_some_and(|s| glob(v, s))),
                    Some(other) => serde_json::to_string(other).is_ok_and(|s| s == v),
                    None => false,
                }
            }
        };
        if hit {
            out.insert(Key::Node(i));
        }
    }
    Ok(out)
}

/// `staging`, `staging.braze`, `braze_analytics.staging.*` (a folder selects everything below
/// it) or a full dotted fqn, with or without the project name in front.
fn fqn_matches(pattern: &str, fqn: &[String]) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    let prefix = |seq: &[String]| parts.len() <= seq.len() && parts.iter().zip(seq).all(|(p, s)| glob(p, s));
    let whole = |seq: &[String]| parts.len() == seq.len() && prefix(seq);
    let folders = &fqn[..fqn.len().saturating_sub(1)];
    whole(fqn) || (fqn.len() > 1 && whole(&fqn[1..])) || prefix(folders) || (folders.len() > 1 && prefix(&folders[1..]))
}

fn path_matches(pattern: &str, path: &Path) -> bool {
    let p = pattern.trim_end_matches('/');
    let path_str = path.to_string_lossy().replace('\\', "/");
    glob(p, &path_str) || path.starts_with(p) || path_str.starts_with(&format!("{p}/"))
}

/// Shell-style `*` and `?` wildcards.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graph_operators() {
        let a = parse_atom("2+dim_users+").unwrap();
        assert_eq!(
            (a.parents, a.children, a.method.as_str(), a.value.as_str()),
            (Some(Some(2)), Some(None), "name", "dim_users")
        );
        let a = parse_atom("@tag:nightly").unwrap();
        assert!(a.at);
        assert_eq!((a.method.as_str(), a.value.as_str()), ("tag", "nightly"));
        let a = parse_atom("models/staging").unwrap();
        assert_eq!(a.method, "path");
        assert!(parse_atom("+").is_err());
    }

    #[test]
    fn globs_and_fqns() {
        assert!(glob("stg_*", "stg_braze__email"));
        assert!(!glob("stg_*", "dim_users"));
        let fqn: Vec<String> = ["p", "staging", "braze", "stg_x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(fqn_matches("staging", &fqn));
        assert!(fqn_matches("p.staging.braze", &fqn));
        assert!(!fqn_matches("marts", &fqn));
        assert!(!fqn_matches("stg_x", &fqn));
    }
}
