//! The SQL language, outside any project: tokenizing (`tokens`, and `fast_parse` for the common
//! SELECT), parsing with the target's dialect (`parse`, `dialect`), and deriving a query's
//! output columns and where each comes from (`columns`, `expr`, `scope`, `names`, `refs`).
//! The SQL check of a compiled project (`crate::check`) is built on this.

pub mod columns;
pub mod dialect;
mod expr;
pub mod fast_parse;
mod names;
pub mod parse;
pub mod refs;
mod scope;
#[cfg(test)]
pub(crate) use scope::names_compared;
pub mod statements;
pub mod tokens;

use std::sync::Arc;

use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, DuckDbDialect, SnowflakeDialect};

use crate::project::AdapterKind;
use columns::Col;

/// Per output column (named), in order, the upstream columns it derives from. Shared: the
/// analysis and the compiled node hold the same list.
pub type NodeLineage = Arc<Vec<Col>>;

/// The sqlparser dialect of a warehouse: how compiled SQL is read (the one place that says).
pub fn dialect_for(kind: AdapterKind) -> Box<dyn Dialect + Send + Sync> {
    match kind {
        AdapterKind::Snowflake => Box::new(dialect::Fast(SnowflakeDialect {})),
        AdapterKind::DuckDb => Box::new(dialect::Fast(DuckDbDialect {})),
    }
}

/// The one query of a statement list; None unless it is exactly one query.
pub fn single_query(statements: Vec<Statement>) -> Option<Box<sqlparser::ast::Query>> {
    let mut it = statements.into_iter();
    match (it.next(), it.next()) {
        (Some(Statement::Query(q)), None) => Some(q),
        _ => None,
    }
}
