//! Seed CSV files: read them and infer each column's type.

use std::path::Path;

use crate::error::{Error, Location, Result};

pub struct SeedData {
    pub columns: Vec<String>,
    /// Cells as text; an empty cell is NULL.
    pub rows: Vec<Vec<Option<String>>>,
}

pub fn read(root: &Path, rel: &Path, delimiter: u8) -> Result<SeedData> {
    let abs = root.join(rel);
    let bytes = std::fs::read(&abs).map_err(|e| Error::project(format!("cannot read seed: {e}")).in_file(rel))?;
    if let Some(line) = unclosed_quote(&bytes, delimiter) {
        return Err(Error::project("a quoted field of the seed is never closed")
            .at(Location::at(rel, line))
            .with_source_line(&String::from_utf8_lossy(&bytes))
            .help("close the quote (a quote inside a quoted field is written twice: \"\")"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(&bytes[..]);
    let headers = reader
        .headers()
        .map_err(|e| Error::project(format!("cannot read the seed's header row: {e}")).at(Location::at(rel, 1)))?;
    let columns: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    if columns.is_empty() || columns.iter().any(String::is_empty) {
        return Err(Error::project("the seed's header row has an empty column name")
            .at(Location::at(rel, 1))
            .help("every column needs a name in the first line"));
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].iter().any(|prev| prev.eq_ignore_ascii_case(c)) {
            return Err(
                Error::project(format!("the seed's header names the column '{c}' twice"))
                    .at(Location::at(rel, 1))
                    .help("column names must be unique (the warehouse ignores case); rename one"),
            );
        }
    }
    let mut rows = vec![];
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            Error::project(format!("malformed CSV row: {e}"))
                .at(Location::at(rel, line))
                .help("every row needs as many fields as the header; quote fields that contain the delimiter")
        })?;
        rows.push(
            record
                .iter()
                .map(|c| if c.is_empty() { None } else { Some(c.to_string()) })
                .collect(),
        );
    }
    Ok(SeedData { columns, rows })
}

/// The line where a quoted field opens that no quote closes before the end of the file (the
/// CSV reader would take the rest of the file into that field, merging rows silently).
fn unclosed_quote(bytes: &[u8], delimiter: u8) -> Option<usize> {
    let mut line = 1;
    // Where a field may start (after a delimiter or a line break), and where the open quoted
    // field began.
    let mut field_start = true;
    let mut open: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
        }
        match open {
            Some(_) if b == b'"' && bytes.get(i + 1) == Some(&b'"') => i += 1,
            Some(_) if b == b'"' => open = None,
            Some(_) => {}
            None if b == b'"' && field_start => open = Some(line),
            None => {}
        }
        field_start = open.is_none() && (b == delimiter || b == b'\n' || b == b'\r');
        i += 1;
    }
    open
}

/// Column types a seed can have, mapped by each adapter to its own type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedType {
    Boolean,
    /// Whole numbers that all fit 32 bits (dbt-duckdb's `integer`).
    Integer,
    /// Whole numbers, some past 32 bits (where dbt's seed load fails).
    BigInt,
    Float,
    Date,
    Timestamp,
    Text,
}

/// The narrowest type every non-empty value of column `col` fits.
pub fn infer(data: &SeedData, col: usize) -> SeedType {
    let values: Vec<&str> = data
        .rows
        .iter()
        .filter_map(|r| r.get(col).and_then(|c| c.as_deref()))
        .collect();
    if values.is_empty() {
        return SeedType::Text;
    }
    let all = |f: &dyn Fn(&str) -> bool| values.iter().all(|v| f(v));
    if all(&|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "false")) {
        SeedType::Boolean
    } else if all(&is_integer) {
        match all(&|v| v.parse::<i32>().is_ok()) {
            true => SeedType::Integer,
            false => SeedType::BigInt,
        }
    } else if all(&is_float) {
        SeedType::Float
    } else if all(&|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()) {
        SeedType::Date
    } else if all(&is_timestamp) {
        SeedType::Timestamp
    } else {
        SeedType::Text
    }
}

/// A project in dbt's layout types its seeds as dbt does (agate's type tests, as dbt-core
/// configures them), so that a migrated project's seed tables have the columns dbt gave them:
/// a cell `null` (any case) is NULL, a column with no value is a whole number, any number is a
/// number (`007` too), a timestamp is one only as `2021-04-12 23:42:35` exactly or in ISO form
/// with a `T` (`2021-04-12T23:42:35.000`); other text stays text. `mozt`'s own layout keeps the
/// stricter rules of `infer` (ids with leading zeros stay text, any timestamp form is one).
pub mod dbt_rules {
    use super::{SeedData, SeedType};

    fn is_null_text(cell: &Option<String>) -> bool {
        cell.as_deref().is_some_and(|c| c.trim().eq_ignore_ascii_case("null"))
    }

    /// dbt's null cells besides the empty one (`null` in any case), made NULL in the columns
    /// `nullable` says (by index).
    pub fn nulls_as_dbt(data: &mut SeedData, nullable: impl Fn(usize) -> bool) {
        for row in &mut data.rows {
            for (i, cell) in row.iter_mut().enumerate() {
                if nullable(i) && is_null_text(cell) {
                    *cell = None;
                }
            }
        }
    }

    /// The type dbt gives column `col`.
    pub fn infer(data: &SeedData, col: usize) -> SeedType {
        let values: Vec<&str> = data
            .rows
            .iter()
            .filter_map(|r| r.get(col).filter(|c| !is_null_text(c)).and_then(|c| c.as_deref()))
            .map(str::trim)
            .collect();
        let all = |f: &dyn Fn(&str) -> bool| values.iter().all(|v| f(v));
        if all(&is_number) {
            match all(&|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')) {
                true if all(&|v| v.parse::<i32>().is_ok()) => SeedType::Integer,
                true => SeedType::BigInt,
                false => SeedType::Float,
            }
        } else if all(&|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()) {
            SeedType::Date
        } else if all(&|v| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_ok()) || all(&is_iso) {
            SeedType::Timestamp
        } else if all(&|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "false")) {
            SeedType::Boolean
        } else {
            SeedType::Text
        }
    }

    /// A decimal number as text (`-12`, `007`, `2.50`, `1e3`); not `nan` or `inf`.
    fn is_number(v: &str) -> bool {
        let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
        unsigned.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.')
            && v.parse::<f64>().is_ok_and(f64::is_finite)
    }

    /// ISO 8601 with `T` between date and time, as dateutil's isoparse reads it.
    fn is_iso(v: &str) -> bool {
        const FORMATS: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S%.fZ"];
        FORMATS
            .iter()
            .any(|f| chrono::NaiveDateTime::parse_from_str(v, f).is_ok())
            || chrono::DateTime::parse_from_rfc3339(v).is_ok()
    }
}

/// Whole numbers that fit i64, without leading zeros (`007` stays text: it is an id).
fn is_integer(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'))
        && v.parse::<i64>().is_ok()
}

/// Decimal numbers (`2.5`, `-0.25`, `1e3`), not `nan`/`inf`, not ids with leading zeros.
fn is_float(v: &str) -> bool {
    let unsigned = v.strip_prefix('-').unwrap_or(v);
    let int_part = unsigned.split(['.', 'e', 'E']).next().unwrap_or("");
    v.parse::<f64>().is_ok_and(f64::is_finite)
        && unsigned.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !(int_part.len() > 1 && int_part.starts_with('0'))
}

fn is_timestamp(v: &str) -> bool {
    const FORMATS: &[&str] = &[
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.fZ",
    ];
    FORMATS
        .iter()
        .any(|f| chrono::NaiveDateTime::parse_from_str(v, f).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_quote_never_closed() {
        assert_eq!(super::unclosed_quote(b"id,name\n1,\"Alice\n2,Bob\n", b','), Some(2));
        assert_eq!(
            super::unclosed_quote(b"id,name\n1,\"Al\"\"ice\"\n2,\"B\nob\"\n", b','),
            None
        );
        assert_eq!(super::unclosed_quote(b"id;name\n1;\"a;b\"\n", b';'), None);
        // A quote inside an unquoted field is text.
        assert_eq!(super::unclosed_quote(b"id,name\n1,6\" pipe\n", b','), None);
    }

    fn data(vals: &[&str]) -> SeedData {
        SeedData {
            columns: vec!["c".into()],
            rows: vals
                .iter()
                .map(|v| vec![if v.is_empty() { None } else { Some(v.to_string()) }])
                .collect(),
        }
    }

    fn col(vals: &[&str]) -> SeedType {
        infer(&data(vals), 0)
    }

    fn dbt_col(vals: &[&str]) -> SeedType {
        dbt_rules::infer(&data(vals), 0)
    }

    /// The types dbt-core 1.11's agate type tester gives the same cells (checked against it),
    /// as dbt-duckdb names them.
    #[test]
    fn infers_types_as_dbt_in_a_dbt_project() {
        assert_eq!(dbt_col(&["1", "2"]), SeedType::Integer);
        assert_eq!(dbt_col(&["1.5", "2"]), SeedType::Float);
        assert_eq!(dbt_col(&["", ""]), SeedType::Integer);
        assert_eq!(dbt_col(&["null", "1"]), SeedType::Integer);
        assert_eq!(dbt_col(&["NULL", "x"]), SeedType::Text);
        assert_eq!(dbt_col(&["007", "1"]), SeedType::Integer);
        assert_eq!(dbt_col(&["2021-04-12 23:42:35.000"]), SeedType::Text);
        assert_eq!(dbt_col(&["2021-04-12 23:42"]), SeedType::Text);
        assert_eq!(dbt_col(&["2021-04-12 23:42:35"]), SeedType::Timestamp);
        assert_eq!(dbt_col(&["2021-04-12T23:42:35.000"]), SeedType::Timestamp);
        assert_eq!(dbt_col(&["2021-04-12"]), SeedType::Date);
        assert_eq!(dbt_col(&["True", "false"]), SeedType::Boolean);
        assert_eq!(dbt_col(&["na", "x"]), SeedType::Text);
        let mut d = data(&["Null", "a"]);
        dbt_rules::nulls_as_dbt(&mut d, |_| false);
        assert_eq!(d.rows[0][0].as_deref(), Some("Null"));
        dbt_rules::nulls_as_dbt(&mut d, |_| true);
        assert_eq!(d.rows[0][0], None);
    }

    #[test]
    fn infers_types() {
        assert_eq!(col(&["1", "-2", ""]), SeedType::Integer);
        assert_eq!(col(&["1", "2147483648"]), SeedType::BigInt);
        assert_eq!(col(&["1", "2.5"]), SeedType::Float);
        assert_eq!(col(&["007", "12"]), SeedType::Text);
        assert_eq!(col(&["true", "FALSE"]), SeedType::Boolean);
        assert_eq!(col(&["2024-01-02"]), SeedType::Date);
        assert_eq!(
            col(&["2024-01-02 10:11:12", "2024-01-02T10:11:12.5"]),
            SeedType::Timestamp
        );
        assert_eq!(col(&["abc", "1"]), SeedType::Text);
        assert_eq!(col(&["nan"]), SeedType::Text);
        assert_eq!(col(&[""]), SeedType::Text);
    }
}
