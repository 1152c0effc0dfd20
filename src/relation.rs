//! A relation in the warehouse (`database.schema.identifier`) and how it prints in SQL.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Relation {
    /// Omitted when it is the connection's default database (DuckDB's own file).
    pub database: Option<String>,
    pub schema: String,
    pub identifier: String,
}

impl Relation {
    pub fn new(database: Option<String>, schema: impl Into<String>, identifier: impl Into<String>) -> Self {
        Relation {
            database,
            schema: schema.into(),
            identifier: identifier.into(),
        }
    }

    /// The same relation under another identifier (for example the temporary name of a build).
    pub fn with_identifier(&self, identifier: impl Into<String>) -> Self {
        Relation {
            identifier: identifier.into(),
            ..self.clone()
        }
    }

    /// `schema.identifier` without the database, as progress lines show it.
    pub fn short(&self) -> String {
        format!(
            "{}.{}",
            quote_if_needed(&self.schema),
            quote_if_needed(&self.identifier)
        )
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(db) = &self.database {
            write!(f, "{}.", quote_if_needed(db))?;
        }
        write!(
            f,
            "{}.{}",
            quote_if_needed(&self.schema),
            quote_if_needed(&self.identifier)
        )
    }
}

/// Quote an identifier only where it would not parse, or would change meaning, unquoted.
pub fn quote_if_needed(ident: &str) -> String {
    let plain = !ident.is_empty()
        && ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_reserved(ident);
    if plain { ident.to_string() } else { quote(ident) }
}

pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn is_reserved(ident: &str) -> bool {
    const RESERVED: &[&str] = &[
        "all",
        "and",
        "as",
        "between",
        "by",
        "case",
        "cast",
        "check",
        "column",
        "constraint",
        "create",
        "cross",
        "current",
        "default",
        "delete",
        "distinct",
        "drop",
        "else",
        "end",
        "except",
        "exists",
        "false",
        "for",
        "from",
        "full",
        "group",
        "having",
        "in",
        "inner",
        "insert",
        "intersect",
        "into",
        "is",
        "join",
        "left",
        "like",
        "limit",
        "natural",
        "not",
        "null",
        "of",
        "on",
        "or",
        "order",
        "outer",
        "qualify",
        "right",
        "select",
        "set",
        "some",
        "table",
        "then",
        "to",
        "true",
        "union",
        "unique",
        "update",
        "user",
        "using",
        "values",
        "when",
        "where",
        "window",
        "with",
    ];
    RESERVED.contains(&ident.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_plainly_and_quotes_only_when_needed() {
        let r = Relation::new(None, "analytics", "dim_users");
        assert_eq!(r.to_string(), "analytics.dim_users");
        let r = Relation::new(Some("dev".into()), "braze", "user");
        assert_eq!(r.to_string(), "dev.braze.\"user\"");
        assert_eq!(quote_if_needed("my table"), "\"my table\"");
        assert_eq!(quote_if_needed("a\"b"), "\"a\"\"b\"");
    }
}
