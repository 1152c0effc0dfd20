//! Source columns from the warehouse catalog. When a command is connected anyway (`run`,
//! `build`), the columns of the sources the selected nodes read are fetched in one catalog query
//! per database, so that the column check also covers sources whose YAML lists no (or only some)
//! columns. `compile` stays offline and uses YAML columns only.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::adapter::{Connection, literal};
use crate::manifest::Manifest;
use crate::relation::{Quoting, quote_with};

/// Source unique id -> its columns in order, for the sources the catalog holds.
pub type SourceColumns = HashMap<String, Vec<String>>;

/// The catalog columns of every source that one of `nodes` reads. A failing catalog query is
/// logged and leaves the sources to their YAML columns: the check must never stop a run.
pub fn source_columns(manifest: &Manifest, nodes: &[usize], conn: &mut dyn Connection) -> SourceColumns {
    let wanted: BTreeSet<&str> = nodes
        .iter()
        .flat_map(|&i| manifest.nodes[i].depends_on.iter())
        .map(String::as_str)
        .collect();
    let sources: Vec<_> = manifest
        .sources
        .iter()
        .filter(|s| wanted.contains(s.unique_id.as_str()))
        .collect();
    // Per database (None: the connection's own), the sources by lower-cased (schema, table).
    type Tables<'m> = HashMap<(String, String), Vec<&'m str>>;
    let mut by_db: BTreeMap<Option<String>, (Quoting, Tables)> = BTreeMap::new();
    for s in &sources {
        let r = &s.relation;
        by_db
            .entry(r.database.clone())
            .or_insert_with(|| (r.quoting, HashMap::new()))
            .1
            .entry((r.schema.to_ascii_lowercase(), r.identifier.to_ascii_lowercase()))
            .or_default()
            .push(&s.unique_id);
    }
    let mut out = SourceColumns::new();
    for (db, (quoting, tables)) in by_db {
        let schemas: BTreeSet<&str> = tables.keys().map(|(s, _)| s.as_str()).collect();
        let names: BTreeSet<&str> = tables.keys().map(|(_, t)| t.as_str()).collect();
        let list = |set: &BTreeSet<&str>| set.iter().map(|v| literal(v)).collect::<Vec<_>>().join(", ");
        let prefix = db
            .as_deref()
            .map(|d| format!("{}.", quote_with(d, quoting)))
            .unwrap_or_default();
        let sql = format!(
            "select table_schema, table_name, column_name from {prefix}information_schema.columns \
             where lower(table_schema) in ({}) and lower(table_name) in ({}) \
             order by table_schema, table_name, ordinal_position",
            list(&schemas),
            list(&names)
        );
        let rows = match conn.query(&sql) {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!("could not read source columns from the catalog (the column check uses YAML only): {e}");
                continue;
            }
        };
        for r in rows.rows {
            let (Some(schema), Some(table), Some(column)) = (
                r.first().and_then(|v| v.as_str()),
                r.get(1).and_then(|v| v.as_str()),
                r.get(2).and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            let key = (schema.to_ascii_lowercase(), table.to_ascii_lowercase());
            for id in tables.get(&key).into_iter().flatten() {
                out.entry((*id).to_string()).or_default().push(display_name(column));
            }
        }
    }
    tracing::debug!("catalog columns for {} of {} sources read", out.len(), sources.len());
    out
}

/// Snowflake reports unquoted names upper-cased; they read better (and match the YAML and the
/// SQL) lower-cased. Mixed-case names were quoted when created and keep their case.
fn display_name(column: &str) -> String {
    if column.chars().any(|c| c.is_ascii_lowercase()) {
        column.to_string()
    } else {
        column.to_ascii_lowercase()
    }
}
