//! Column lineage of the whole project: compile every model in memory (offline), read its
//! SQL, and trace a column up to sources or down to everything derived from it.

use std::collections::HashMap;

use crate::check::lineage::{Graph, Tree};
use crate::error::{Error, Result};
use crate::manifest::{Materialization, ResourceType};
use crate::sql::columns::ColRef;
use crate::suggest::closest;

use super::Session;

/// Compile the project's models and snapshots in memory and analyse them.
pub fn analyze_all(session: &Session) -> Result<crate::check::Analysis> {
    let nodes: Vec<usize> = (0..session.manifest.nodes.len())
        .filter(|&i| {
            let n = &session.manifest.nodes[i];
            matches!(n.resource_type, ResourceType::Model | ResourceType::Snapshot)
                && n.materialized() != Materialization::Ephemeral
        })
        .collect();
    let rendered: Vec<(usize, Result<String>)> = {
        use rayon::prelude::*;
        nodes
            .par_iter()
            .map(|&i| {
                let node = &session.manifest.nodes[i];
                (
                    i,
                    crate::compile::render_with(&session.jinja, &session.manifest, node, false),
                )
            })
            .collect()
    };
    let mut sql = HashMap::new();
    let mut errors = vec![];
    for (i, r) in rendered {
        match r {
            Ok(s) => {
                sql.insert(i, s);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(crate::error::combine(errors));
    }
    let refs: HashMap<usize, (&str, bool)> = sql.iter().map(|(&i, s)| (i, (s.as_str(), false))).collect();
    let no_catalog = Default::default();
    crate::check::analyze(&session.check_input(false, &no_catalog), &refs)
}

/// The (unique id, column) a user's `MODEL.COLUMN` or `SOURCE.TABLE.COLUMN` names.
fn resolve(session: &Session, graph: &Graph, spec: &str) -> Result<ColRef> {
    let m = &session.manifest;
    let parts: Vec<&str> = spec.split('.').collect();
    let (id, column) = match parts.as_slice() {
        [source, table, column] => match m.source(source, table) {
            Some(s) => (s.unique_id.clone(), column.to_string()),
            None => {
                let hints = m.closest_sources(source, table);
                let mut e = Error::project(format!("no source table {source}.{table} is declared"));
                if !hints.is_empty() {
                    e = e.help(format!("did you mean {}?", hints.join(", ")));
                }
                return Err(e);
            }
        },
        [model, column] => match m.by_name(model) {
            Some(n) => (n.unique_id.clone(), column.to_string()),
            None => {
                let hints = closest(model, m.ref_names());
                let mut e = Error::project(format!("no model, seed or snapshot named {model}"));
                if !hints.is_empty() {
                    e = e.help(format!("did you mean {}?", hints.join(", ")));
                }
                return Err(e);
            }
        },
        _ => {
            return Err(Error::project(format!("cannot read '{spec}' as a column"))
                .help("write MODEL.COLUMN (dim_users.user_key) or SOURCE.TABLE.COLUMN (braze.user.email)"));
        }
    };
    if let Some(cols) = graph.columns(&id)
        && !cols.iter().any(|c| c.eq_ignore_ascii_case(&column))
    {
        let ordered = crate::check::messages::closest_first(&column, &cols);
        return Err(Error::project(format!("{} has no column {column}", parts[0]))
            .help(format!("its columns, closest first: {}", shortlist(&ordered))));
    }
    Ok(ColRef { node: id, column })
}

/// The lineage tree of the column a user named (`MODEL.COLUMN` or `SOURCE.TABLE.COLUMN`):
/// what it derives from, up to sources, or with `downstream` every column derived from it.
pub fn trace(session: &Session, spec: &str, downstream: bool) -> Result<Tree> {
    let analysis = analyze_all(session)?;
    let graph = Graph::new(&session.manifest, &analysis.lineage);
    let start = resolve(session, &graph, spec)?;
    let tree = if downstream {
        graph.downstream(&start)
    } else {
        graph.upstream(&start)
    };
    // A source column nothing reads and the YAML does not declare is most likely a typo.
    if tree.children.is_empty()
        && let Some(src) = session.manifest.source_by_id(&start.node)
        && !src.columns.is_empty()
        && !src.columns.keys().any(|c| c.eq_ignore_ascii_case(&start.column))
    {
        let names: Vec<String> = src.columns.keys().cloned().collect();
        let ordered = crate::check::messages::closest_first(&start.column, &names);
        return Err(Error::project(format!(
            "source {}.{} declares no column {}",
            src.source_name, src.name, start.column
        ))
        .help(format!("its columns, closest first: {}", shortlist(&ordered))));
    }
    Ok(tree)
}

/// The first few names, and how many more there are.
fn shortlist(names: &[String]) -> String {
    let shown = names.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
    match names.len().saturating_sub(10) {
        0 => shown,
        more => format!("{shown} (and {more} more)"),
    }
}
