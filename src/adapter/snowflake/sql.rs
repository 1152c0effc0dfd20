//! Snowflake's SQL for the code that writes its own (see `adapter::SqlDialect`).

use super::sf_literal;
use crate::adapter::SqlDialect;

pub(super) struct SnowflakeSql;

impl SqlDialect for SnowflakeSql {
    /// Snowflake reads a backslash in a string literal as an escape: it is doubled too.
    fn string_literal(&self, s: &str) -> String {
        sf_literal(s)
    }

    fn iso_timestamp(&self, expr: &str) -> String {
        iso_from_parts(expr, true)
    }

    fn iso_date(&self, expr: &str) -> String {
        iso_from_parts(expr, false)
    }

    fn json_text(&self, expr: &str) -> String {
        format!("coalesce(to_json(to_variant({expr})), 'null')")
    }

    fn json_document_text(&self, expr: &str, ty: &str) -> String {
        let t = ty.to_ascii_uppercase();
        if matches!(t.as_str(), "VARIANT" | "OBJECT") {
            format!("to_json({expr})")
        } else {
            format!("to_json(parse_json({expr}))")
        }
    }

    /// Snowflake reports unquoted names in upper case: those come back in lower case (the name
    /// as written), so a payload's keys are the same on every warehouse; a quoted mixed-case
    /// name keeps its case.
    fn column_name_as_written(&self, reported: &str) -> String {
        crate::adapter::sql::unfolded_name(reported)
    }
}

/// A date or timestamp as ISO 8601 text (`2024-01-01T10:00:00.000Z`), from its parts: the same
/// text as `to_varchar` with a format, which the emulator (fakesnow 0.12.1) ignores.
fn iso_from_parts(expr: &str, time: bool) -> String {
    let part = |f: &str, width: usize| format!("lpad(to_varchar({f}({expr})), {width}, '0')");
    let date = format!(
        "{} || '-' || {} || '-' || {}",
        part("year", 4),
        part("month", 2),
        part("day", 2)
    );
    if !time {
        return date;
    }
    format!(
        "{date} || 'T' || {} || ':' || {} || ':' || {} || '.' || \
         lpad(to_varchar(cast(floor(date_part(nanosecond, {expr}) / 1000000) as integer)), 3, '0') || 'Z'",
        part("hour", 2),
        part("minute", 2),
        part("second", 2)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_names_come_back_in_lower_case() {
        let sql = SnowflakeSql;
        assert_eq!(sql.column_name_as_written("LIFETIME_VALUE"), "lifetime_value");
        assert_eq!(sql.column_name_as_written("camelCase"), "camelCase");
        assert_eq!(sql.column_name_as_written("_1"), "_1");
    }
}
