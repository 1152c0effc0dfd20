//! A relation in the warehouse (`database.schema.identifier`) and how it prints in SQL.

use serde::Serialize;
use std::fmt;

use crate::project::AdapterKind;

/// Equality, hashing and order look at the three names only, not at `quoting`.
#[derive(Debug, Clone, Serialize)]
pub struct Relation {
    /// Omitted when it is the connection's default database (DuckDB's own file).
    pub database: Option<String>,
    pub schema: String,
    pub identifier: String,
    /// How the names print in SQL: chosen by target type when the manifest is parsed.
    #[serde(skip)]
    pub quoting: Quoting,
}

/// How identifiers are quoted when a relation prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Quoting {
    /// Quote only where needed, keeping the name's case (DuckDB, where names ignore case).
    #[default]
    Standard,
    /// Snowflake: an unquoted name folds to upper case and a quoted one is case-sensitive, so a
    /// plain name that still needs quotes (a reserved word like `user`) is quoted in upper case
    /// (`"USER"`), naming the same object as the unquoted name would.
    UpperCase,
}

impl Quoting {
    pub fn for_target_type(kind: AdapterKind) -> Quoting {
        match kind {
            AdapterKind::Snowflake => Quoting::UpperCase,
            AdapterKind::DuckDb => Quoting::Standard,
        }
    }
}

impl PartialEq for Relation {
    fn eq(&self, other: &Self) -> bool {
        self.names() == other.names()
    }
}

impl Eq for Relation {}

impl std::hash::Hash for Relation {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.names().hash(state);
    }
}

impl PartialOrd for Relation {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Relation {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.names().cmp(&other.names())
    }
}

impl Relation {
    pub fn new(database: Option<String>, schema: impl Into<String>, identifier: impl Into<String>) -> Self {
        Relation {
            database,
            schema: schema.into(),
            identifier: identifier.into(),
            quoting: Quoting::Standard,
        }
    }

    pub fn with_quoting(mut self, quoting: Quoting) -> Self {
        self.quoting = quoting;
        self
    }

    fn names(&self) -> (&Option<String>, &str, &str) {
        (&self.database, &self.schema, &self.identifier)
    }

    /// One identifier (a column, a schema) quoted the way this relation's names are.
    pub fn quote_ident(&self, ident: &str) -> String {
        quote_with(ident, self.quoting)
    }

    /// The same relation under another identifier (for example the temporary name of a build).
    pub fn with_identifier(&self, identifier: impl Into<String>) -> Self {
        Relation {
            identifier: identifier.into(),
            ..self.clone()
        }
    }

    /// How a query reads the relation with `--empty`: a subquery with its columns and no rows.
    pub fn empty_subquery(&self) -> String {
        format!("(select * from {self} where false limit 0)")
    }

    /// `schema.identifier` without the database, as progress lines show it.
    pub fn short(&self) -> String {
        format!(
            "{}.{}",
            self.quote_ident(&self.schema),
            self.quote_ident(&self.identifier)
        )
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written name by name, without building strings: compile prints a relation for every
        // ref of every model.
        if self.schema.is_empty() {
            // A CTE (an ephemeral model) has no schema.
            return write_ident(f, &self.identifier, self.quoting);
        }
        if let Some(db) = &self.database {
            write_ident(f, db, self.quoting)?;
            f.write_str(".")?;
        }
        write_ident(f, &self.schema, self.quoting)?;
        f.write_str(".")?;
        write_ident(f, &self.identifier, self.quoting)
    }
}

/// Quote an identifier only where it would not parse, or would change meaning, unquoted.
pub fn quote_if_needed(ident: &str) -> String {
    quote_with(ident, Quoting::Standard)
}

/// Quote an identifier only where needed, by a quoting policy.
pub fn quote_with(ident: &str, quoting: Quoting) -> String {
    let mut out = String::with_capacity(ident.len() + 2);
    // Writing into a String cannot fail.
    let _ = write_ident(&mut out, ident, quoting);
    out
}

/// `ident` in double quotes, always (its case kept where the warehouse folds unquoted names).
pub fn quote_always(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 2);
    // Writing into a String cannot fail.
    let _ = write_quoted(&mut out, ident);
    out
}

/// `quote_with`, written out.
fn write_ident(out: &mut impl fmt::Write, ident: &str, quoting: Quoting) -> fmt::Result {
    let simple = !ident.is_empty()
        && ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match quoting {
        Quoting::Standard if simple && !is_reserved(ident) => out.write_str(ident),
        Quoting::Standard => write_quoted(out, ident),
        Quoting::UpperCase if simple && !is_reserved(ident) && !is_snowflake_reserved(ident) => out.write_str(ident),
        Quoting::UpperCase if simple => write_quoted(out, &ident.to_ascii_uppercase()),
        Quoting::UpperCase => write_quoted(out, ident),
    }
}

/// Snowflake's reserved keywords beyond the common ones in `is_reserved`.
fn is_snowflake_reserved(ident: &str) -> bool {
    is_listed(SNOWFLAKE_RESERVED, ident)
}

const SNOWFLAKE_RESERVED: &[&str] = &[
    "account",
    "alter",
    "any",
    "connect",
    "connection",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "database",
    "following",
    "grant",
    "gscluster",
    "ilike",
    "increment",
    "issue",
    "lateral",
    "localtime",
    "localtimestamp",
    "minus",
    "organization",
    "regexp",
    "revoke",
    "rlike",
    "row",
    "rows",
    "sample",
    "schema",
    "start",
    "tablesample",
    "trigger",
    "try_cast",
    "view",
    "whenever",
];

pub fn quote(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 2);
    // Writing into a String cannot fail.
    let _ = write_quoted(&mut out, ident);
    out
}

/// `ident` in double quotes, a double quote in it doubled.
fn write_quoted(out: &mut impl fmt::Write, ident: &str) -> fmt::Result {
    out.write_str("\"")?;
    for (i, part) in ident.split('"').enumerate() {
        if i > 0 {
            out.write_str("\"\"")?;
        }
        out.write_str(part)?;
    }
    out.write_str("\"")
}

/// Words that cannot be a bare column or table name: DuckDB's reserved keywords and its
/// type-or-function ones (`at`, `left`, `map`: a column definition `at timestamp` is a syntax
/// error), with the common SQL ones.
fn is_reserved(ident: &str) -> bool {
    is_listed(RESERVED_WORDS, ident)
}

const RESERVED_WORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "anti",
    "any",
    "array",
    "as",
    "asc",
    "asof",
    "asymmetric",
    "at",
    "authorization",
    "between",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "columns",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current",
    "default",
    "deferrable",
    "delete",
    "desc",
    "describe",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "generated",
    "glob",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lambda",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "map",
    "natural",
    "not",
    "notnull",
    "null",
    "of",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "pivot",
    "pivot_longer",
    "pivot_wider",
    "placing",
    "positional",
    "primary",
    "qualify",
    "references",
    "returning",
    "right",
    "select",
    "semi",
    "set",
    "show",
    "similar",
    "some",
    "struct",
    "summarize",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "try_cast",
    "tuple",
    "union",
    "unique",
    "unpack",
    "unpivot",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// Whether `ident`, in any case, is one of `words` (sorted, lower case): a binary search, as a
/// compile writes a name for every ref of every model.
fn is_listed(words: &[&str], ident: &str) -> bool {
    const LONGEST: usize = 24;
    if ident.len() > LONGEST {
        return false;
    }
    let mut lower = [0u8; LONGEST];
    let lower = &mut lower[..ident.len()];
    lower.copy_from_slice(ident.as_bytes());
    lower.make_ascii_lowercase();
    words.binary_search_by(|w| w.as_bytes().cmp(lower)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_word_lists_are_sorted_lower_case_and_found_in_any_case() {
        for ident in ["select", "SELECT", "Pivot", "try_cast", "current_timestamp"] {
            assert!(is_reserved(ident) || is_snowflake_reserved(ident), "{ident}");
        }
        for ident in ["user_id", "selects", "", "a_name_longer_than_any_keyword_here"] {
            assert!(!is_reserved(ident) && !is_snowflake_reserved(ident), "{ident}");
        }
        // The binary search finds a word only in a sorted list of lower-case words.
        for words in [RESERVED_WORDS, SNOWFLAKE_RESERVED] {
            assert!(words.windows(2).all(|w| w[0] < w[1]));
            assert!(words.iter().all(|w| is_listed(words, &w.to_ascii_uppercase())));
        }
        assert!(is_snowflake_reserved("Current_Timestamp"));
        assert!(!is_reserved("account") && is_snowflake_reserved("ACCOUNT"));
    }

    #[test]
    fn prints_plainly_and_quotes_only_when_needed() {
        let r = Relation::new(None, "analytics", "dim_users");
        assert_eq!(r.to_string(), "analytics.dim_users");
        let r = Relation::new(Some("dev".into()), "braze", "user");
        assert_eq!(r.to_string(), "dev.braze.\"user\"");
        assert_eq!(quote_if_needed("my table"), "\"my table\"");
        assert_eq!(quote_if_needed("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn snowflake_quotes_reserved_names_in_upper_case() {
        let r = Relation::new(Some("ANALYTICS".into()), "braze", "user").with_quoting(Quoting::UpperCase);
        assert_eq!(r.to_string(), "ANALYTICS.braze.\"USER\"");
        assert_eq!(r.short(), "braze.\"USER\"");
        let r = Relation::new(None, "analytics", "dim_users").with_quoting(Quoting::UpperCase);
        assert_eq!(r.to_string(), "analytics.dim_users");
        // A name that is not a plain identifier keeps its exact case.
        assert_eq!(quote_with("My Table", Quoting::UpperCase), "\"My Table\"");
        assert_eq!(quote_with("rows", Quoting::UpperCase), "\"ROWS\"");
        // The policy does not take part in equality.
        assert_eq!(r, Relation::new(None, "analytics", "dim_users"));
    }
}
