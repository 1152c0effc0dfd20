//! Ephemeral models are not built: each model that refs one gets it as a CTE. Nested
//! ephemerals are flattened into one WITH list, dependencies first, each CTE once.

use std::collections::HashSet;
use std::sync::Arc;

use crate::error::Result;
use crate::jinja::JinjaEnv;
use crate::jinja::scope::RefCall;
use crate::manifest::{Manifest, Materialization, ephemeral_cte};

/// Put the ephemeral models `refs` reaches in front of `sql` as CTEs.
pub(crate) fn inject(jinja: &JinjaEnv, manifest: &Arc<Manifest>, sql: String, refs: &[RefCall]) -> Result<String> {
    let mut ctes: Vec<(String, String)> = vec![];
    let mut seen = HashSet::new();
    collect(jinja, manifest, refs, &mut seen, &mut ctes)?;
    if ctes.is_empty() {
        return Ok(sql);
    }
    let list: Vec<String> = ctes
        .iter()
        .map(|(name, body)| format!("{} as (\n{}\n)", ephemeral_cte(name), body.trim().trim_end_matches(';')))
        .collect();
    let list = list.join(",\n");
    Ok(match leading_with(&sql) {
        Some((start, end, keyword)) => format!("{}{keyword} {list},\n{}", &sql[..start], sql[end..].trim_start()),
        None => format!("with {list}\n{}", sql.trim_start()),
    })
}

/// Whether any model is ephemeral (when none is, no model needs its refs looked at).
pub(crate) fn any(manifest: &Manifest) -> bool {
    manifest
        .nodes
        .iter()
        .any(|n| n.materialized() == Materialization::Ephemeral)
}

fn collect(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    refs: &[RefCall],
    seen: &mut HashSet<String>,
    out: &mut Vec<(String, String)>,
) -> Result<()> {
    for r in refs {
        let Some(node) = manifest.find_ref(None, r.package.as_deref(), &r.name) else {
            continue;
        };
        if node.materialized() != Materialization::Ephemeral || !seen.insert(node.name.clone()) {
            continue;
        }
        let (body, inner) = super::render_raw(jinja, manifest, node, false)?;
        collect(jinja, manifest, &inner, seen, out)?;
        out.push((node.name.clone(), body));
    }
    Ok(())
}

/// Where a leading `WITH` (or `WITH RECURSIVE`) keyword starts and ends, after blanks and
/// comments, and the keyword text to write back.
fn leading_with(sql: &str) -> Option<(usize, usize, &'static str)> {
    let mut i = 0;
    loop {
        i += sql[i..].len() - sql[i..].trim_start().len();
        if sql[i..].starts_with("--") {
            i += sql[i..].find('\n').map(|n| n + 1).unwrap_or(sql.len() - i);
        } else if sql[i..].starts_with("/*") {
            i += sql[i..].find("*/").map(|n| n + 2).unwrap_or(sql.len() - i);
        } else {
            break;
        }
    }
    let word = |at: usize, w: &str| {
        sql.len() >= at + w.len()
            && sql[at..at + w.len()].eq_ignore_ascii_case(w)
            && sql[at + w.len()..].starts_with(char::is_whitespace)
    };
    if !word(i, "with") {
        return None;
    }
    let end = i + 4;
    let next = end + (sql[end..].len() - sql[end..].trim_start().len());
    if word(next, "recursive") {
        return Some((i, next + 9, "with recursive"));
    }
    Some((i, end, "with"))
}

#[cfg(test)]
mod tests {
    use super::leading_with;

    #[test]
    fn finds_leading_with() {
        assert_eq!(
            leading_with("with a as (select 1) select * from a"),
            Some((0, 4, "with"))
        );
        assert_eq!(
            leading_with("-- c\n  WITH a as (select 1) select 1"),
            Some((7, 11, "with"))
        );
        assert_eq!(
            leading_with("with  recursive r as (select 1) select 1"),
            Some((0, 15, "with recursive"))
        );
        assert_eq!(leading_with("select 1 -- with"), None);
        assert_eq!(leading_with("without"), None);
    }
}
