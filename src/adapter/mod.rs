//! The only way the rest of mozt reaches a warehouse. Each warehouse is a folder here that
//! implements `Adapter` (how to connect, what its SQL looks like), `Connection` (run
//! statements, read rows, list relations) and, in its `sql.rs`, `SqlDialect` (the SQL
//! fragments that differ between warehouses, for code that writes SQL of its own). Which
//! warehouse a target names is a `project::AdapterKind`; `for_target` opens its adapter.

mod catalog;
pub mod duckdb;
pub mod snowflake;
mod sql;

use serde_json::Value;
use std::collections::HashMap;

use crate::error::Result;
use crate::manifest::Node;
use crate::manifest::publish::ConstraintKind;
use crate::project::{AdapterKind, Target};
use crate::relation::Relation;

pub use crate::project::csv::SeedType;
pub use catalog::Catalog;
pub use sql::SqlDialect;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    Table,
    View,
}

impl RelationKind {
    /// The statement dropping `relation`, a relation of this kind, when it exists.
    pub(crate) fn drop_sql(self, relation: &Relation) -> String {
        match self {
            RelationKind::Table => format!("drop table if exists {relation}"),
            RelationKind::View => format!("drop view if exists {relation}"),
        }
    }
}

/// Rows read back from a query; cells as JSON values (null, bool, number, string).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

pub trait Adapter: Send + Sync {
    /// Which warehouse this is (the target's `type:`).
    fn kind(&self) -> AdapterKind;
    /// A new connection for one worker thread.
    fn connect(&self) -> Result<Box<dyn Connection>>;
    fn seed_type(&self, t: SeedType) -> &'static str;
    /// The SQL that differs between warehouses, for code that writes its own.
    fn sql(&self) -> &dyn SqlDialect;
    /// Whether DDL can be rolled back inside a transaction (DuckDB: yes; Snowflake: DDL commits).
    fn transactional_ddl(&self) -> bool {
        true
    }
    /// The incremental strategy used when a model names none.
    fn default_incremental_strategy(&self, has_unique_key: bool) -> &'static str {
        if has_unique_key { "delete+insert" } else { "append" }
    }
    /// The statement `mozt debug` runs to show the warehouse's version.
    fn version_query(&self) -> &'static str {
        "select version()"
    }
    /// The statement that replaces `relation` with the result of `select` atomically (Snowflake:
    /// `create or replace transient table ... as`). None: a plain `create or replace table ... as`,
    /// atomic where DDL is transactional (DuckDB: a failed build leaves the old table).
    fn replace_table_sql(&self, _node: &Node, _relation: &Relation, _select: &str) -> Option<String> {
        None
    }
    /// `create or replace view`, with the warehouse's options (Snowflake: `copy grants`).
    fn replace_view_sql(&self, _node: &Node, relation: &Relation, select: &str) -> String {
        format!("create or replace view {relation} as {select}")
    }
    /// Replace table `to` with a copy of table `from` (built by `node`) in one statement:
    /// DuckDB copies the rows; Snowflake makes a zero-copy clone.
    fn copy_table_sql(&self, _node: &Node, from: &Relation, to: &Relation) -> String {
        format!("create or replace table {to} as select * from {from}")
    }
    /// Whether `copy_table_sql` keeps the table's constraints (Snowflake's clone does; DuckDB's
    /// `create table ... as select` does not, so an enforced contract's table is declared again).
    fn copy_keeps_constraints(&self) -> bool {
        false
    }
    /// Whether the warehouse has access control for `grants` (Snowflake); DuckDB has none.
    fn has_grants(&self) -> bool {
        false
    }
    /// Whether the warehouse enforces a constraint of this kind; the others are not created.
    fn enforces(&self, kind: &ConstraintKind) -> bool {
        matches!(kind, ConstraintKind::NotNull)
    }
    /// A column comment (`persist_docs`); `column` is quoted, `comment` a string literal.
    fn column_comment_sql(&self, _kind: RelationKind, relation: &Relation, column: &str, comment: &str) -> String {
        format!("comment on column {relation}.{column} is {comment}")
    }
    /// The statement that replaces table `relation` with one of the declared `columns` (names,
    /// types, constraints) filled from `select` (an enforced contract). None: create the table,
    /// then insert, in one transaction.
    fn replace_table_with_columns_sql(
        &self,
        _node: &Node,
        _relation: &Relation,
        _columns: &str,
        _select: &str,
    ) -> Option<String> {
        None
    }
    /// The new name in `alter ... rename to`: DuckDB takes the bare identifier; Snowflake the
    /// full name (a bare one would move the relation into the session's current schema).
    fn rename_target(&self, relation: &Relation) -> String {
        relation.quote_ident(&relation.identifier)
    }
}

pub trait Connection: Send {
    /// Called before each node runs with its unique id and config: warehouses that tag or route
    /// statements per node (Snowflake: query_tag, snowflake_warehouse, a comment naming the
    /// node) apply them here.
    fn set_node(&mut self, _node_id: &str, _config: &crate::manifest::NodeConfig) -> Result<()> {
        Ok(())
    }
    fn execute(&mut self, sql: &str) -> Result<()>;
    fn query(&mut self, sql: &str) -> Result<Rows>;
    /// Every table and view in these schemas (one query, not one per model).
    fn list_relations(&mut self, schemas: &[String]) -> Result<HashMap<Relation, RelationKind>>;
    /// The table or view named `schema.identifier` (names compared in any case), when it exists.
    fn find_relation(&mut self, schema: &str, identifier: &str) -> Result<Option<(Relation, RelationKind)>> {
        let listed = self.list_relations(&[schema.to_string()])?;
        Ok(listed
            .into_iter()
            .find(|(r, _)| r.schema.eq_ignore_ascii_case(schema) && r.identifier.eq_ignore_ascii_case(identifier)))
    }
    /// The output columns of a query and their types as the warehouse names them, read
    /// without running it.
    fn query_columns(&mut self, sql: &str) -> Result<Vec<(String, String)>>;
    /// Load rows into an existing table (seeds); `columns` are its columns in order, as SQL
    /// names (quoted where they must be, as the table was created).
    fn insert_rows(&mut self, relation: &Relation, columns: &[String], rows: &[Vec<Option<String>>]) -> Result<()>;
    /// A relation's columns and their types, in order (from information_schema).
    fn columns(&mut self, relation: &Relation) -> Result<Vec<(String, String)>> {
        let sql = format!(
            "select column_name, data_type from information_schema.columns \
             where lower(table_schema) = lower({}) and lower(table_name) = lower({}) order by ordinal_position",
            literal(&relation.schema),
            literal(&relation.identifier)
        );
        let rows = self.query(&sql)?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| Some((r.first()?.as_str()?.to_string(), r.get(1)?.as_str()?.to_string())))
            .collect())
    }
}

/// Open the adapter a target names (its type was checked when the target was read).
pub fn for_target(target: &Target, project_root: &std::path::Path) -> Result<Box<dyn Adapter>> {
    match target.kind {
        AdapterKind::DuckDb => Ok(Box::new(duckdb::DuckDbAdapter::open(target, project_root)?)),
        AdapterKind::Snowflake => Ok(Box::new(snowflake::SnowflakeAdapter::open(target, project_root)?)),
    }
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
