//! The only way the rest of mozt reaches a warehouse. Each warehouse is a folder here that
//! implements `Adapter` (how to connect, what its SQL looks like) and `Connection` (run
//! statements, read rows, list relations).

pub mod duckdb;

use serde_json::Value;
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::project::Target;
use crate::relation::Relation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    Table,
    View,
}

/// Rows read back from a query; cells as JSON values (null, bool, number, string).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// Column types a seed can have, mapped by each adapter to its own type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedType {
    Boolean,
    Integer,
    Float,
    Date,
    Timestamp,
    Text,
}

pub trait Adapter: Send + Sync {
    /// `duckdb` or `snowflake`, as `target.type`.
    fn kind(&self) -> &'static str;
    /// A new connection for one worker thread.
    fn connect(&self) -> Result<Box<dyn Connection>>;
    fn seed_type(&self, t: SeedType) -> &'static str;
    /// The SQL dialect, for reading compiled SQL.
    fn dialect(&self) -> Box<dyn sqlparser::dialect::Dialect + Send + Sync>;
    /// How identifiers compare: Snowflake folds unquoted names to upper case, DuckDB ignores case.
    fn normalize(&self, ident: &str) -> String {
        ident.to_ascii_lowercase()
    }
}

pub trait Connection: Send {
    fn execute(&mut self, sql: &str) -> Result<()>;
    fn query(&mut self, sql: &str) -> Result<Rows>;
    /// Every table and view in these schemas (one query, not one per model).
    fn list_relations(&mut self, schemas: &[String]) -> Result<HashMap<Relation, RelationKind>>;
    /// Load rows into an existing table (seeds).
    fn insert_rows(&mut self, relation: &Relation, columns: &[String], rows: &[Vec<Option<String>>]) -> Result<()>;
}

/// Open the adapter a target names.
pub fn for_target(target: &Target, project_root: &std::path::Path) -> Result<Box<dyn Adapter>> {
    match target.kind.as_str() {
        "duckdb" => Ok(Box::new(duckdb::DuckDbAdapter::open(target, project_root)?)),
        other => Err(Error::project(format!(
            "target '{}' has type {other}, which this build of mozt cannot run yet",
            target.name
        ))
        .help("use a duckdb target (the default `dev`)")),
    }
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
