//! The SQL that differs between warehouses, for code that writes SQL of its own (the Braze
//! syncs build JSON in SQL): each adapter hands out its `SqlDialect` (`Adapter::sql()`), so
//! that code names no warehouse. Every method returns a SQL expression (or literal) as text.

/// A column name Snowflake reported, as the model wrote it: an unquoted name folds to upper case
/// there, so an all-upper-case name comes back in lower case (a payload's keys are then the same
/// on every warehouse); a quoted mixed-case name keeps its case.
pub(crate) fn unfolded_name(reported: &str) -> String {
    if reported.chars().any(|c| c.is_ascii_alphabetic()) && reported == reported.to_ascii_uppercase() {
        reported.to_ascii_lowercase()
    } else {
        reported.to_string()
    }
}

pub trait SqlDialect: Send + Sync {
    /// `s` as a SQL string literal.
    fn string_literal(&self, s: &str) -> String;
    /// A timestamp as ISO 8601 text in milliseconds: `2024-01-01T10:00:00.000Z`.
    fn iso_timestamp(&self, expr: &str) -> String;
    /// A date as ISO 8601 text: `2024-01-01`.
    fn iso_date(&self, expr: &str) -> String;
    /// A value as JSON text: numbers, booleans and arrays as themselves, text quoted, NULL as
    /// `null`.
    fn json_text(&self, expr: &str) -> String;
    /// A column of type `ty` that holds a JSON document (a JSON or VARIANT value, or text
    /// holding JSON) as compact JSON text; NULL stays NULL.
    fn json_document_text(&self, expr: &str, ty: &str) -> String;
    /// A column's name as the model wrote it, from the name the warehouse reports.
    fn column_name_as_written(&self, reported: &str) -> String;
    /// Whether mozt writes unquoted names in upper case itself, where the warehouse keeps their
    /// case but the models expect Snowflake's folding (DuckDB under `dialect: snowflake`).
    fn folds_unquoted_names(&self) -> bool {
        false
    }
}
