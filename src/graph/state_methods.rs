//! The selector methods that compare with a previous run (`--state DIR`):
//! - `state:new`: nodes the previous manifest does not have;
//! - `state:modified`: new nodes and nodes whose checksums differ (any kind), or, with
//!   `state:modified.<kind>` (body, configs, yaml, macros, vars), differ in that kind;
//! - `state:unmodified` and `state:old`: the complements;
//! - `result:<status>`: nodes whose status in the previous run_results.json was `<status>`
//!   (success, error, fail, warn, pass, skipped, cancelled).

use std::collections::BTreeSet;

use super::Key;
use super::select::{Context, glob};
use crate::error::{Error, Result};
use crate::state::checksum::{Checksums, KINDS};

const STATUSES: &[&str] = &["success", "error", "fail", "warn", "pass", "skipped", "cancelled"];

pub(super) fn matching(ctx: &Context, method: &str, value: &str) -> Result<BTreeSet<Key>> {
    let Some(state) = ctx.state else {
        return Err(Error::project(format!(
            "the selector '{method}:{value}' compares with a previous run, but no --state was given"
        ))
        .help("pass --state DIR, the folder holding that run's manifest.json (and run_results.json)"));
    };
    let m = ctx.manifest;
    let ids = (0..m.nodes.len())
        .map(|i| (Key::Node(i), m.nodes[i].unique_id.as_str()))
        .chain((0..m.sources.len()).map(|i| (Key::Source(i), m.sources[i].unique_id.as_str())));
    let mut out = BTreeSet::new();
    if method == "result" {
        if !STATUSES.contains(&value) && !value.contains(['*', '?']) {
            return Err(
                Error::project(format!("unknown result status '{value}' in 'result:{value}'"))
                    .help(format!("use one of: {}", STATUSES.join(", "))),
            );
        }
        let Some(results) = &state.previous.results else {
            return Err(Error::project(format!(
                "'result:{value}' needs {}, which does not exist",
                state.previous.dir.join("run_results.json").display()
            ))
            .help("copy the previous run's target/run_results.json into the --state folder"));
        };
        for (key, id) in ids {
            if results.get(id).is_some_and(|s| glob(value, s)) {
                out.insert(key);
            }
        }
        return Ok(out);
    }
    let (what, kind) = match value.split_once('.') {
        Some((w, k)) => (w, Some(k)),
        None => (value, None),
    };
    if let Some(k) = kind
        && (what != "modified" || !KINDS.contains(&k))
    {
        return Err(Error::project(format!("unknown state selector 'state:{value}'"))
            .help(format!("sub-kinds of state:modified: {}", KINDS.join(", "))));
    }
    for (key, id) in ids {
        let current = match key {
            Key::Node(i) => &state.nodes[i],
            Key::Source(i) => &state.sources[i],
        };
        let old = state.previous.nodes.get(id);
        let modified = || match old {
            None => true,
            Some(o) => differs(current, o.checksums.as_ref(), kind),
        };
        let hit = match what {
            "new" => old.is_none(),
            "old" => old.is_some(),
            "modified" => modified(),
            "unmodified" => old.is_some() && !modified(),
            _ => {
                return Err(Error::project(format!("unknown state selector 'state:{value}'"))
                    .help("use state:modified, state:new, state:unmodified or state:old"));
            }
        };
        if hit {
            out.insert(key);
        }
    }
    Ok(out)
}

/// Whether the checksums differ (in `kind` only, when given). A missing old checksum differs.
fn differs(current: &Checksums, old: Option<&std::collections::BTreeMap<String, String>>, kind: Option<&str>) -> bool {
    let Some(old) = old else { return true };
    current
        .iter()
        .filter(|(k, _)| kind.is_none_or(|want| want == *k))
        .any(|(k, sum)| !old.get(k).is_some_and(|stored| sum.matches(stored)))
}
