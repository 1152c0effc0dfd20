//! target/catalog.json in dbt's catalog v1 shape: what the warehouse says about each relation
//! the project builds or reads (columns and their types, comments, owner, row counts and sizes
//! where the warehouse keeps them), read with one or two queries per database from its catalog
//! (DuckDB's `duckdb_columns()` / `duckdb_tables()`, Snowflake's `information_schema`).

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::adapter::{Connection, literal};
use crate::error::Result;
use crate::manifest::Manifest;
use crate::project::AdapterKind;
use crate::relation::Relation;

#[derive(Debug, Clone, Serialize)]
pub struct ColumnEntry {
    #[serde(rename = "type")]
    pub data_type: String,
    pub index: i64,
    pub name: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableMetadata {
    #[serde(rename = "type")]
    pub table_type: String,
    pub schema: String,
    pub name: String,
    pub database: Option<String>,
    pub comment: Option<String>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stat {
    pub id: String,
    pub label: String,
    pub value: Value,
    pub include: bool,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableEntry {
    pub metadata: TableMetadata,
    pub columns: IndexMap<String, ColumnEntry>,
    pub stats: IndexMap<String, Stat>,
    pub unique_id: Option<String>,
}

/// The catalog of the project's relations, by unique id.
#[derive(Debug, Default, Serialize)]
pub struct Catalog {
    pub nodes: BTreeMap<String, TableEntry>,
    pub sources: BTreeMap<String, TableEntry>,
    /// Queries that failed (the rest of the catalog is still written), as dbt's `errors`.
    pub errors: Vec<String>,
}

/// A relation's key for matching catalog rows: lower-case schema and name (both warehouses
/// here compare unquoted names without case).
type Key = (String, String);

fn key_of(r: &Relation) -> Key {
    (r.schema.to_ascii_lowercase(), r.identifier.to_ascii_lowercase())
}

/// Read the catalog of every relation the manifest names (models, seeds, snapshots, sources).
pub(crate) fn read(conn: &mut dyn Connection, warehouse: AdapterKind, manifest: &Manifest) -> Catalog {
    let mut wanted: HashMap<Key, Vec<(bool, String)>> = HashMap::new();
    // Schemas to read, per database (None: the connection's default database).
    let mut schemas: BTreeMap<Option<String>, BTreeSet<String>> = BTreeMap::new();
    for n in &manifest.nodes {
        if let Some(r) = &n.relation {
            wanted.entry(key_of(r)).or_default().push((false, n.unique_id.clone()));
            schemas.entry(r.database.clone()).or_default().insert(r.schema.clone());
        }
    }
    for s in &manifest.sources {
        wanted
            .entry(key_of(&s.relation))
            .or_default()
            .push((true, s.unique_id.clone()));
        schemas
            .entry(s.relation.database.clone())
            .or_default()
            .insert(s.relation.schema.clone());
    }
    let mut catalog = Catalog::default();
    let mut tables: HashMap<Key, TableEntry> = HashMap::new();
    for (database, schemas) in &schemas {
        let schemas: Vec<&String> = schemas.iter().collect();
        let result = match warehouse {
            AdapterKind::DuckDb => read_duckdb(conn, database.as_deref(), &schemas, &mut tables),
            AdapterKind::Snowflake => read_snowflake(conn, database.as_deref(), &schemas, &mut tables),
        };
        if let Err(e) = result {
            tracing::warn!(
                "cannot read the catalog of {}: {}",
                database.as_deref().unwrap_or("the database"),
                e
            );
            catalog.errors.push(e.message.clone());
        }
    }
    for (key, entry) in tables {
        let Some(ids) = wanted.get(&key) else { continue };
        for (is_source, id) in ids {
            let mut e = entry.clone();
            e.unique_id = Some(id.clone());
            if *is_source {
                catalog.sources.insert(id.clone(), e);
            } else {
                catalog.nodes.insert(id.clone(), e);
            }
        }
    }
    catalog
}

fn in_list(values: &[&String]) -> String {
    values
        .iter()
        .map(|s| literal(&s.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn stat(id: &str, label: &str, value: Value, include: bool, description: &str) -> (String, Stat) {
    (
        id.to_string(),
        Stat {
            id: id.to_string(),
            label: label.to_string(),
            value,
            include,
            description: description.to_string(),
        },
    )
}

fn no_stats() -> IndexMap<String, Stat> {
    [stat(
        "has_stats",
        "Has Stats?",
        Value::Bool(false),
        false,
        "Indicates whether there are statistics for this table",
    )]
    .into_iter()
    .collect()
}

fn stats(row_count: Option<i64>, bytes: Option<i64>, last_modified: Option<String>) -> IndexMap<String, Stat> {
    let mut out = IndexMap::new();
    if let Some(n) = row_count {
        let (k, v) = stat("row_count", "Row Count", json!(n), true, "Number of rows in the table");
        out.insert(k, v);
    }
    if let Some(b) = bytes {
        let (k, v) = stat(
            "bytes",
            "Approximate Size",
            json!(b),
            true,
            "Approximate size of the table in bytes",
        );
        out.insert(k, v);
    }
    if let Some(t) = last_modified {
        let (k, v) = stat(
            "last_modified",
            "Last Modified",
            json!(t),
            true,
            "The timestamp of the last change",
        );
        out.insert(k, v);
    }
    let has = !out.is_empty();
    let (k, v) = stat(
        "has_stats",
        "Has Stats?",
        Value::Bool(has),
        false,
        "Indicates whether there are statistics for this table",
    );
    out.insert(k, v);
    if !has {
        return no_stats();
    }
    out
}

/// Fill `tables` from rows of (database, schema, table, type, comment, owner, row_count, bytes,
/// last_modified) and (database, schema, table, column, index, type, comment).
fn fill(tables: &mut HashMap<Key, TableEntry>, table_rows: crate::adapter::Rows, column_rows: crate::adapter::Rows) {
    for r in &table_rows.rows {
        let (Some(schema), Some(name)) = (text(r.get(1)), text(r.get(2))) else {
            continue;
        };
        let entry = TableEntry {
            metadata: TableMetadata {
                table_type: text(r.get(3)).unwrap_or_else(|| "BASE TABLE".to_string()),
                schema: schema.clone(),
                name: name.clone(),
                database: text(r.first()),
                comment: text(r.get(4)),
                owner: text(r.get(5)),
            },
            columns: IndexMap::new(),
            stats: stats(int(r.get(6)), int(r.get(7)), text(r.get(8))),
            unique_id: None,
        };
        tables.insert((schema.to_ascii_lowercase(), name.to_ascii_lowercase()), entry);
    }
    for r in &column_rows.rows {
        let (Some(schema), Some(table), Some(column)) = (text(r.get(1)), text(r.get(2)), text(r.get(3))) else {
            continue;
        };
        let Some(entry) = tables.get_mut(&(schema.to_ascii_lowercase(), table.to_ascii_lowercase())) else {
            continue;
        };
        let index = int(r.get(4)).unwrap_or(entry.columns.len() as i64 + 1);
        entry.columns.insert(
            column.clone(),
            ColumnEntry {
                data_type: text(r.get(5)).unwrap_or_default(),
                index,
                name: column,
                comment: text(r.get(6)),
            },
        );
    }
}

fn read_duckdb(
    conn: &mut dyn Connection,
    database: Option<&str>,
    schemas: &[&String],
    tables: &mut HashMap<Key, TableEntry>,
) -> Result<()> {
    let mut filter = format!("lower(schema_name) in ({})", in_list(schemas));
    if let Some(db) = database {
        filter.push_str(&format!(" and lower(database_name) = lower({})", literal(db)));
    } else {
        filter.push_str(" and database_name = current_database()");
    }
    // estimated_size is DuckDB's row count estimate (exact for a table that was only ever
    // created and loaded, as mozt's are).
    let table_rows = conn.query(&format!(
        "select database_name, schema_name, table_name, 'BASE TABLE', comment, null, estimated_size, null, null \
         from duckdb_tables() where {filter} \
         union all \
         select database_name, schema_name, view_name, 'VIEW', comment, null, null, null, null \
         from duckdb_views() where not internal and {filter}"
    ))?;
    let column_rows = conn.query(&format!(
        "select database_name, schema_name, table_name, column_name, column_index, data_type, comment \
         from duckdb_columns() where {filter} order by schema_name, table_name, column_index"
    ))?;
    fill(tables, table_rows, column_rows);
    Ok(())
}

fn read_snowflake(
    conn: &mut dyn Connection,
    database: Option<&str>,
    schemas: &[&String],
    tables: &mut HashMap<Key, TableEntry>,
) -> Result<()> {
    let prefix = match database {
        Some(db) => format!(
            "{}.",
            crate::relation::quote_with(db, crate::relation::Quoting::UpperCase)
        ),
        None => String::new(),
    };
    let filter = format!("lower(table_schema) in ({})", in_list(schemas));
    let table_rows = conn.query(&format!(
        "select table_catalog, table_schema, table_name, table_type, comment, table_owner, row_count, bytes, \
         to_varchar(last_altered) from {prefix}information_schema.tables where {filter}"
    ))?;
    // Snowflake lists views in `tables` too; information_schema.views is read as well (for
    // warehouses that list them only there), filling in only what `tables` did not list.
    let view_rows = conn.query(&format!(
        "select table_catalog, table_schema, table_name, 'VIEW', comment, table_owner, null, null, \
         to_varchar(last_altered) from {prefix}information_schema.views where {filter}"
    ))?;
    let column_rows = conn.query(&format!(
        "select table_catalog, table_schema, table_name, column_name, ordinal_position, data_type, comment \
         from {prefix}information_schema.columns where {filter} order by table_schema, table_name, ordinal_position"
    ))?;
    let mut all = table_rows;
    let listed: std::collections::HashSet<Key> = all
        .rows
        .iter()
        .filter_map(|r| {
            Some((
                text(r.get(1))?.to_ascii_lowercase(),
                text(r.get(2))?.to_ascii_lowercase(),
            ))
        })
        .collect();
    all.rows.extend(
        view_rows
            .rows
            .into_iter()
            .filter(|r| match (text(r.get(1)), text(r.get(2))) {
                (Some(s), Some(n)) => !listed.contains(&(s.to_ascii_lowercase(), n.to_ascii_lowercase())),
                _ => false,
            }),
    );
    fill(tables, all, column_rows);
    Ok(())
}
