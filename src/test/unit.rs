//! Unit tests: the model's SQL with each given input replaced by a CTE of literal rows, run on
//! the target, its rows compared with the expected ones (order-insensitive, on the expected
//! columns only); a mismatch shows a row diff.
//!
//! Compiling renders the model with a resolver that maps the given refs and sources to CTE
//! names. The CTEs themselves are written when the test runs, because their column types come
//! from the warehouse (the upstream relation's columns) when it has them, else from YAML
//! `data_type`s; columns not given are NULL.

use serde_json::{Map, Value};

use super::TestRun;
use crate::adapter::{Connection, literal};
use crate::compile::Compiled;
use crate::compile::unit_test::spec;
use crate::manifest::unit_test::{Fixture, Input, UnitSpec};
use crate::manifest::{ColumnInfo, Manifest, Node};
use crate::relation::{Relation, quote_if_needed};
use crate::run::{NodeResult, Status};

/// The CTE holding the model's own SQL in the query a unit test runs.
const MODEL_CTE: &str = "__mozt_unit_model";

/// Build the inputs, run the model's SQL on them and compare with the expected rows.
pub(crate) fn execute(node: &Node, compiled: &Compiled, conn: &mut dyn Connection, run: &TestRun<'_>) -> NodeResult {
    let path = crate::compile::display_path(&compiled.path);
    let fail = |status: Status, message: String, details: Vec<String>| {
        let mut r = NodeResult::new(&node.unique_id, status, message);
        r.details = details;
        // (The summary prints an ERROR's compiled SQL path itself.)
        if status != Status::Error {
            r.details.push(format!("compiled SQL: {path}"));
        }
        r.compiled_path = Some(path.clone());
        r
    };
    let spec = match spec(node) {
        Ok(s) => s,
        Err(e) => return fail(Status::Error, e.to_string(), vec![]),
    };
    let mut ctes = vec![];
    for g in &spec.given {
        match input_cte(run.manifest, spec, &g.input, &g.fixture, conn) {
            Ok(body) => ctes.push(format!("{} as (\n{}\n)", g.input.cte(), indent(&body))),
            Err(e) => return fail(Status::Error, format!("input {}: {e}", g.input.label()), vec![]),
        }
    }
    let model_sql = compiled.sql.trim().trim_end_matches(';').trim_end();
    ctes.push(format!("{MODEL_CTE} as (\n{model_sql}\n)"));
    let sql = format!("with {}\nselect * from {MODEL_CTE}\n", ctes.join(",\n"));
    // The compiled file shows the whole query the test runs.
    let _ = std::fs::write(run.root.join(&compiled.path), &sql);

    let actual = match conn.query(&sql) {
        Ok(rows) => rows,
        Err(e) => {
            return fail(
                Status::Error,
                format!("the model's SQL failed on the given rows: {e}"),
                vec![],
            );
        }
    };
    let (expected, from_csv) = match &spec.expect {
        Fixture::Rows { rows, from_csv } => (rows.clone(), *from_csv),
        Fixture::Sql { sql } => match conn.query(&format!("select * from (\n{sql}\n) as mozt_expected")) {
            Ok(r) => (to_maps(&r.columns, &r.rows), false),
            Err(e) => return fail(Status::Error, format!("the expected rows' SQL failed: {e}"), vec![]),
        },
    };
    match compare(&expected, from_csv, &actual.columns, &actual.rows) {
        Ok(None) => {
            let mut r = NodeResult::new(&node.unique_id, Status::Pass, "actual rows match the expected rows");
            r.compiled_path = Some(path.clone());
            r.failures = Some(0);
            r
        }
        Ok(Some(diff)) => {
            let mut r = fail(
                Status::Fail,
                format!(
                    "{} of {} did not return the expected rows ({} expected, {} returned)",
                    node.name,
                    spec.model,
                    expected.len(),
                    actual.rows.len()
                ),
                diff.lines,
            );
            r.failures = Some(diff.differing as u64);
            r
        }
        Err(msg) => fail(Status::Error, msg, vec![]),
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

fn to_maps(columns: &[String], rows: &[Vec<Value>]) -> Vec<Map<String, Value>> {
    rows.iter()
        .map(|r| columns.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

/// The SELECT standing in for one input.
fn input_cte(
    manifest: &Manifest,
    spec: &UnitSpec,
    input: &Input,
    fixture: &Fixture,
    conn: &mut dyn Connection,
) -> std::result::Result<String, String> {
    let (rows, from_csv) = match fixture {
        Fixture::Sql { sql } => return Ok(sql.trim().trim_end_matches(';').to_string()),
        Fixture::Rows { rows, from_csv } => (rows, *from_csv),
    };
    let (relation, declared): (Option<Relation>, Option<&indexmap::IndexMap<String, ColumnInfo>>) = match input {
        Input::Ref { name } => match manifest.by_name(name) {
            Some(n) => (n.relation.clone(), Some(&n.columns)),
            None => (None, None),
        },
        Input::Source { source, table } => match manifest.source(source, table) {
            Some(s) => (Some(s.relation.clone()), Some(&s.columns)),
            None => (None, None),
        },
        Input::This => match manifest.by_name(&spec.model) {
            Some(n) => (n.relation.clone(), Some(&n.columns)),
            None => (None, None),
        },
    };
    // Columns: the warehouse's, else YAML's, then any given column neither knows.
    let mut columns: Vec<(String, Option<String>)> = relation
        .as_ref()
        .map(|r| warehouse_columns(conn, r))
        .unwrap_or_default();
    if columns.is_empty()
        && let Some(d) = declared
    {
        columns = d.values().map(|c| (c.name.clone(), c.data_type.clone())).collect();
    }
    for row in rows {
        for key in row.keys() {
            if !columns.iter().any(|(c, _)| c.eq_ignore_ascii_case(key)) {
                let ty = declared
                    .and_then(|d| d.values().find(|c| c.name.eq_ignore_ascii_case(key)))
                    .and_then(|c| c.data_type.clone());
                columns.push((key.clone(), ty));
            }
        }
    }
    if columns.is_empty() {
        return Err(
            "no rows are given and its columns are unknown: give a row, declare its columns in YAML, or build it first"
                .to_string(),
        );
    }
    let select_row = |row: Option<&Map<String, Value>>| -> String {
        let cells: Vec<String> = columns
            .iter()
            .map(|(name, ty)| {
                let v = row
                    .and_then(|r| r.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
                    .unwrap_or(&Value::Null);
                format!(
                    "{} as {}",
                    sql_literal(v, ty.as_deref(), from_csv),
                    quote_if_needed(name)
                )
            })
            .collect();
        format!("select {}", cells.join(", "))
    };
    if rows.is_empty() {
        return Ok(format!("{} where 1 = 0", select_row(None)));
    }
    Ok(rows
        .iter()
        .map(|r| select_row(Some(r)))
        .collect::<Vec<_>>()
        .join("\nunion all\n"))
}

/// A relation's columns and types from information_schema (empty when it is not built).
fn warehouse_columns(conn: &mut dyn Connection, r: &Relation) -> Vec<(String, Option<String>)> {
    let catalog = match &r.database {
        Some(db) => format!("lower(table_catalog) = lower({})", literal(db)),
        None => "table_catalog = current_database()".to_string(),
    };
    let sql = format!(
        "select column_name, data_type from information_schema.columns \
         where {catalog} and lower(table_schema) = lower({}) and lower(table_name) = lower({}) \
         order by ordinal_position",
        literal(&r.schema),
        literal(&r.identifier)
    );
    match conn.query(&sql) {
        Ok(rows) => rows
            .rows
            .iter()
            .filter_map(|row| {
                let name = row.first()?.as_str()?.to_string();
                let ty = row.get(1).and_then(Value::as_str).map(str::to_string);
                Some((name, ty))
            })
            .collect(),
        Err(_) => vec![],
    }
}

/// A value as SQL, cast to the column's type when it is known. CSV text without a known type
/// is read as a number or boolean when it looks like one.
fn sql_literal(v: &Value, ty: Option<&str>, from_csv: bool) -> String {
    let raw = match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if ty.is_none() && from_csv && looks_typed(s) => s.to_ascii_lowercase(),
        Value::String(s) => literal(s),
        other => literal(&other.to_string()),
    };
    match ty {
        Some(t) => format!("cast({raw} as {t})"),
        // Unknown type (the upstream is not built and YAML declares no data_type): text that
        // is plainly a date or a timestamp is given that type, so date arithmetic works.
        None => match v.as_str().map(str::trim) {
            Some(t) if chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok() => format!("cast({raw} as date)"),
            Some(t) if t.len() >= 16 && timestamp(t).is_some() => format!("cast({raw} as timestamp)"),
            _ => raw,
        },
    }
}

fn looks_typed(s: &str) -> bool {
    s.parse::<i64>().is_ok()
        || (s.parse::<f64>().is_ok() && s.contains('.') && !s.starts_with('.'))
        || s.eq_ignore_ascii_case("true")
        || s.eq_ignore_ascii_case("false")
}

/// How actual rows differ from expected ones.
#[derive(Debug)]
struct Diff {
    lines: Vec<String>,
    differing: usize,
}

/// Compare on the expected columns; None when they match. Err when an expected column is
/// missing from the model's output.
fn compare(
    expected: &[Map<String, Value>],
    from_csv: bool,
    actual_columns: &[String],
    actual: &[Vec<Value>],
) -> std::result::Result<Option<Diff>, String> {
    let columns = expected_columns(expected);
    let index = column_index(&columns, actual_columns)?;
    let expected_cells: Vec<Vec<Value>> = expected
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    row.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(c))
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::Null)
                })
                .collect()
        })
        .collect();
    let actual_cells: Vec<Vec<Value>> = actual
        .iter()
        .map(|row| {
            index
                .iter()
                .map(|&i| row.get(i).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect();

    let (mut used, matched) = match_rows(&expected_cells, &actual_cells, from_csv);
    let missing = matched.iter().filter(|m| m.is_none()).count();
    let extra = used.iter().filter(|u| !**u).count();
    if missing == 0 && extra == 0 {
        return Ok(None);
    }
    let table = diff_table(&expected_cells, &actual_cells, &matched, &mut used, from_csv);
    Ok(Some(Diff {
        lines: diff_lines(&columns, &table),
        differing: missing + extra,
    }))
}

/// The expected rows' columns, in the order they first appear (names compared in any case).
fn expected_columns(expected: &[Map<String, Value>]) -> Vec<String> {
    let mut columns: Vec<String> = vec![];
    for row in expected {
        for k in row.keys() {
            if !columns.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                columns.push(k.clone());
            }
        }
    }
    columns
}

/// Where each expected column is among the model's output columns.
fn column_index(columns: &[String], actual_columns: &[String]) -> std::result::Result<Vec<usize>, String> {
    columns
        .iter()
        .map(|c| {
            actual_columns
                .iter()
                .position(|a| a.eq_ignore_ascii_case(c))
                .ok_or_else(|| {
                    format!(
                        "the model returns no column `{c}` (it returns: {})",
                        actual_columns.join(", ")
                    )
                })
        })
        .collect()
}

/// Each expected row matched to the first actual row not matched yet that equals it: which
/// actual rows are used, and the actual row of each expected one.
fn match_rows(expected: &[Vec<Value>], actual: &[Vec<Value>], from_csv: bool) -> (Vec<bool>, Vec<Option<usize>>) {
    let mut used = vec![false; actual.len()];
    let mut matched = vec![None; expected.len()];
    for (e, exp) in expected.iter().enumerate() {
        if let Some(a) =
            (0..actual.len()).find(|&a| !used[a] && exp.iter().zip(&actual[a]).all(|(x, y)| same(x, y, from_csv)))
        {
            used[a] = true;
            matched[e] = Some(a);
        }
    }
    (used, matched)
}

/// The diff's rows: each expected row in order (a missing one followed by the most similar
/// extra row), then the remaining extra rows.
fn diff_table(
    expected: &[Vec<Value>],
    actual: &[Vec<Value>],
    matched: &[Option<usize>],
    used: &mut [bool],
    from_csv: bool,
) -> Vec<(char, Vec<String>)> {
    let mut table: Vec<(char, Vec<String>)> = vec![];
    for (e, exp) in expected.iter().enumerate() {
        match matched[e] {
            Some(_) => table.push((' ', exp.iter().map(show).collect())),
            None => {
                table.push(('-', exp.iter().map(show).collect()));
                let best = (0..actual.len())
                    .filter(|&a| !used[a])
                    .map(|a| {
                        let score = exp.iter().zip(&actual[a]).filter(|(x, y)| same(x, y, from_csv)).count();
                        (score, a)
                    })
                    .filter(|(score, _)| *score > 0)
                    .max_by_key(|(score, a)| (*score, std::cmp::Reverse(*a)));
                if let Some((_, a)) = best {
                    used[a] = true;
                    table.push(('+', actual[a].iter().map(show).collect()));
                }
            }
        }
    }
    for (a, row) in actual.iter().enumerate() {
        if !used[a] {
            table.push(('+', row.iter().map(show).collect()));
        }
    }
    table
}

/// The diff as aligned text lines under a header of the expected columns.
fn diff_lines(columns: &[String], table: &[(char, Vec<String>)]) -> Vec<String> {
    let header: Vec<String> = if columns.is_empty() {
        vec!["(no expected columns: the model should return no rows)".to_string()]
    } else {
        columns.to_vec()
    };
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            table
                .iter()
                .filter_map(|(_, r)| r.get(i))
                .chain(std::iter::once(&header[i]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let fmt_row = |mark: char, cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        format!("{mark} {}", parts.join(" | ")).trim_end().to_string()
    };
    let mut lines = vec!["rows differ (- expected but not returned, + returned but not expected):".to_string()];
    lines.push(fmt_row(' ', &header));
    for (mark, cells) in table {
        if columns.is_empty() {
            lines.push(format!("{mark} (a row)"));
        } else {
            lines.push(fmt_row(*mark, cells));
        }
    }
    lines
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An expected cell against an actual one: numbers within rounding, dates and timestamps in
/// any common spelling, CSV text against typed values.
fn same(expected: &Value, actual: &Value, from_csv: bool) -> bool {
    let _ = from_csv;
    match (expected, actual) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(a), Value::Number(b)) => close(a.as_f64(), b.as_f64()),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            close(s.trim().parse::<f64>().ok(), n.as_f64())
        }
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::String(s), Value::Bool(b)) | (Value::Bool(b), Value::String(s)) => {
            s.trim().eq_ignore_ascii_case(if *b { "true" } else { "false" })
        }
        (Value::Number(n), Value::Bool(b)) | (Value::Bool(b), Value::Number(n)) => {
            n.as_f64() == Some(f64::from(u8::from(*b)))
        }
        (Value::String(a), Value::String(b)) => {
            a == b || matches!((timestamp(a), timestamp(b)), (Some(x), Some(y)) if x == y)
        }
        (e, Value::String(b)) => serde_json::to_string(e).is_ok_and(|s| &s == b),
        (e, a) => e == a,
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

fn timestamp(s: &str) -> Option<chrono::NaiveDateTime> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.naive_utc());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(v: Value) -> Vec<Map<String, Value>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect()
    }

    #[test]
    fn compares_order_insensitively_on_expected_columns() {
        let expected = rows(json!([{"id": 1, "tier": "active"}, {"id": 2, "tier": "dormant"}]));
        let cols = vec!["ID".to_string(), "tier".to_string(), "other".to_string()];
        let actual = vec![
            vec![json!(2), json!("dormant"), json!(9)],
            vec![json!(1), json!("active"), json!(8)],
        ];
        assert!(compare(&expected, false, &cols, &actual).unwrap().is_none());
        let actual = vec![
            vec![json!(2), json!("dormant"), json!(9)],
            vec![json!(1), json!("lapsing"), json!(8)],
        ];
        let diff = compare(&expected, false, &cols, &actual).unwrap().unwrap();
        assert_eq!(diff.differing, 2);
        assert_eq!(
            diff.lines[1..],
            ["  id | tier", "- 1  | active", "+ 1  | lapsing", "  2  | dormant"].map(String::from)
        );
        assert!(compare(&rows(json!([{"nope": 1}])), false, &cols, &actual).is_err());
    }

    #[test]
    fn compares_cells_loosely_where_types_differ() {
        assert!(same(&json!("2024-06-20"), &json!("2024-06-20 00:00:00"), false));
        assert!(same(
            &json!("2024-06-20T10:00:00Z"),
            &json!("2024-06-20 10:00:00"),
            false
        ));
        assert!(same(&json!(0.5), &json!("0.5"), true));
        assert!(same(&json!(1), &json!(1.0), false));
        assert!(!same(&json!(0.333), &json!(1.0 / 3.0), false));
        assert!(same(&json!("true"), &json!(true), true));
        assert!(!same(&json!(null), &json!(0), false));
    }

    #[test]
    fn writes_literals() {
        assert_eq!(sql_literal(&json!("a'b"), None, false), "'a''b'");
        assert_eq!(sql_literal(&json!("12"), None, true), "12");
        assert_eq!(sql_literal(&json!("12"), None, false), "'12'");
        assert_eq!(
            sql_literal(&json!("2024-01-01"), None, false),
            "cast('2024-01-01' as date)"
        );
        assert_eq!(
            sql_literal(&json!("2024-01-01 10:00:00"), None, true),
            "cast('2024-01-01 10:00:00' as timestamp)"
        );
        assert_eq!(sql_literal(&json!(null), Some("DATE"), false), "cast(null as DATE)");
        assert_eq!(
            sql_literal(&json!("2024-01-01"), Some("DATE"), false),
            "cast('2024-01-01' as DATE)"
        );
    }
}
