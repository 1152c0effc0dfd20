//! Every row of a relation read from a DuckDB file and from the Snowflake emulator, in one
//! canonical text form, so that two builds of a project can be compared row by row: numbers by
//! value, timestamps without trailing zeros in their fraction, JSON objects and arrays by their
//! parsed value (keys sorted), NULL as `NULL`.

use std::path::Path;

use mozt::adapter::snowflake::SnowflakeAdapter;
use mozt::adapter::{Adapter, Connection};
use mozt::project::{AdapterKind, Target};
use serde_json::Value;

/// A relation's column names and its rows (each cell in canonical form), sorted.
#[derive(Debug, PartialEq)]
pub(crate) struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A number by value: integral values as integers, others with 12 significant digits.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f:.11e}")
    }
}

/// `2024-01-02 03:04:05.120000` and `2024-01-02T03:04:05.12` are `2024-01-02 03:04:05.12`;
/// other text is returned as it is.
fn timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let shaped = b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[13] == b':'
        && b[16] == b':';
    if !shaped || !s.is_char_boundary(19) {
        return None;
    }
    let (head, rest) = s.split_at(19);
    let rest = match rest.strip_prefix('.') {
        Some(frac) if frac.bytes().all(|c| c.is_ascii_digit()) => frac.trim_end_matches('0'),
        None if rest.is_empty() => "",
        _ => return None,
    };
    let head = head.replacen('T', " ", 1);
    Some(if rest.is_empty() {
        head
    } else {
        format!("{head}.{rest}")
    })
}

/// A JSON value with its object keys sorted, as compact text.
fn sorted_json(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted_json(&m[k]))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted_json).collect()),
        other => other.clone(),
    }
}

fn text(s: &str) -> String {
    if let Some(t) = timestamp(s) {
        return t;
    }
    let trimmed = s.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(v) = serde_json::from_str::<Value>(s)
    {
        return format!("json:{}", sorted_json(&v));
    }
    format!("'{s}'")
}

/// A value as the emulator's adapter gives it.
pub(crate) fn canonical_json(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.as_f64().map(number).unwrap_or_else(|| n.to_string()),
        Value::String(s) => text(s),
        other => format!("json:{}", sorted_json(other)),
    }
}

/// A value as DuckDB gives it (dates, times and timestamps are cast to text by the query).
fn canonical_duck(v: duckdb::types::ValueRef<'_>) -> String {
    use duckdb::types::ValueRef as V;
    match v {
        V::Null => "NULL".into(),
        V::Boolean(b) => b.to_string(),
        V::TinyInt(i) => number(f64::from(i)),
        V::SmallInt(i) => number(f64::from(i)),
        V::Int(i) => number(f64::from(i)),
        V::BigInt(i) => number(i as f64),
        V::HugeInt(i) => number(i as f64),
        V::UTinyInt(i) => number(f64::from(i)),
        V::USmallInt(i) => number(f64::from(i)),
        V::UInt(i) => number(f64::from(i)),
        V::UBigInt(i) => number(i as f64),
        V::Float(f) => number(f64::from(f)),
        V::Double(f) => number(f),
        V::Decimal(d) => number(d.to_string().parse().unwrap_or(f64::NAN)),
        V::Text(b) => text(&String::from_utf8_lossy(b)),
        other => panic!("no canonical form for {:?}", other.data_type()),
    }
}

/// The tables and views of an attached DuckDB file `catalog` (schema, name), in order.
pub(crate) fn duckdb_relations(conn: &duckdb::Connection, catalog: &str) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare(
            "select table_schema, table_name from information_schema.tables \
             where table_catalog = ? and table_schema not in ('information_schema', 'pg_catalog') order by 1, 2",
        )
        .unwrap();
    stmt.query_map([catalog], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Every row of `catalog.schema.table` in an attached DuckDB file, without the columns
/// `skip` names (case-insensitively).
pub(crate) fn duckdb_table(
    conn: &duckdb::Connection,
    catalog: &str,
    schema: &str,
    table: &str,
    skip: &[&str],
) -> Table {
    let mut stmt = conn
        .prepare(
            "select column_name, data_type from information_schema.columns \
             where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        )
        .unwrap();
    let columns: Vec<(String, String)> = stmt
        .query_map([catalog, schema, table], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .filter(|(c, _)| !skip.iter().any(|s| s.eq_ignore_ascii_case(c)))
        .collect();
    let select: Vec<String> = columns
        .iter()
        .map(|(c, ty)| {
            let as_text = ["DATE", "TIME", "TIMESTAMP", "JSON", "UUID", "INTERVAL"]
                .iter()
                .any(|t| ty.starts_with(t));
            if as_text {
                format!("cast(\"{c}\" as varchar)")
            } else {
                format!("\"{c}\"")
            }
        })
        .collect();
    let sql = format!(
        "select {} from \"{catalog}\".\"{schema}\".\"{table}\"",
        select.join(", ")
    );
    let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows = stmt.query([]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out = vec![];
    while let Some(row) = rows.next().unwrap() {
        out.push(
            (0..columns.len())
                .map(|i| canonical_duck(row.get_ref(i).unwrap()))
                .collect(),
        );
    }
    out.sort();
    Table {
        columns: columns.into_iter().map(|(c, _)| c).collect(),
        rows: out,
    }
}

/// Every row of `schema.table` on the emulator, read through the Snowflake adapter, without
/// the columns `skip` names (case-insensitively). Timestamps are read as text: the emulator
/// sends a NULL timestamp over the wire as 1970-01-01 00:00:00.
pub(crate) fn emulator_table(sf: &mut dyn Connection, schema: &str, table: &str, skip: &[&str]) -> Table {
    let sql = format!(
        "select column_name, data_type from information_schema.columns \
         where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position"
    );
    let described = sf.query(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let columns: Vec<(String, String)> = described
        .rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or("").to_string(),
                r[1].as_str().unwrap_or("").to_string(),
            )
        })
        .filter(|(c, _)| !skip.iter().any(|s| s.eq_ignore_ascii_case(c)))
        .collect();
    assert!(!columns.is_empty(), "{schema}.{table} has no columns on the emulator");
    let select: Vec<String> = columns
        .iter()
        .map(|(c, ty)| {
            if ty.starts_with("TIMESTAMP") {
                format!("\"{c}\"::varchar")
            } else {
                format!("\"{c}\"")
            }
        })
        .collect();
    let sql = format!("select {} from \"{schema}\".\"{table}\"", select.join(", "));
    let result = sf.query(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows: Vec<Vec<String>> = result
        .rows
        .iter()
        .map(|r| r.iter().map(canonical_json).collect())
        .collect();
    rows.sort();
    Table {
        columns: columns.into_iter().map(|(c, _)| c).collect(),
        rows,
    }
}

/// What differs between two readings of `relation`, or None: the column names, or the rows
/// (the first few present on one side only, from each side).
pub(crate) fn difference(relation: &str, (a_name, a): (&str, &Table), (b_name, b): (&str, &Table)) -> Option<String> {
    if a.columns != b.columns {
        return Some(format!(
            "{relation}: columns differ\n  {a_name}: {:?}\n  {b_name}: {:?}",
            a.columns, b.columns
        ));
    }
    if a.rows == b.rows {
        return None;
    }
    let only = |x: &Table, y: &Table| -> Vec<Vec<String>> {
        let mut rest = y.rows.clone();
        let mut out = vec![];
        for row in &x.rows {
            match rest.binary_search(row) {
                Ok(i) => {
                    rest.remove(i);
                }
                Err(_) => out.push(row.clone()),
            }
        }
        out
    };
    let (only_a, only_b) = (only(a, b), only(b, a));
    let show = |rows: &[Vec<String>]| -> String {
        rows.iter()
            .take(3)
            .map(|r| format!("\n    {}", r.join(" | ")))
            .collect()
    };
    Some(format!(
        "{relation}: {} rows on {a_name}, {} on {b_name}; columns {}\n  {} rows only on {a_name}, first:{}\n  {} rows only on {b_name}, first:{}",
        a.rows.len(),
        b.rows.len(),
        a.columns.join(" | "),
        only_a.len(),
        show(&only_a),
        only_b.len(),
        show(&only_b),
    ))
}

/// A connection to the emulator's `database` (MOZT_FAKESNOW_URL), through mozt's Snowflake
/// adapter.
pub(crate) fn emulator_connection(database: &str, root: &Path) -> Box<dyn Connection> {
    let mut settings = serde_json::Map::new();
    for (k, v) in [
        ("type", "snowflake"),
        ("base_url", super::emulator_url().as_str()),
        ("account", "local"),
        ("user", "mozt_test"),
        ("password", "any"),
    ] {
        settings.insert(k.into(), Value::String(v.into()));
    }
    let target = Target {
        name: "sf_test".into(),
        kind: AdapterKind::Snowflake,
        schema: "analytics".into(),
        database: Some(database.into()),
        threads: 1,
        settings,
        dialect: None,
    };
    SnowflakeAdapter::open(&target, root)
        .expect("open the adapter")
        .connect()
        .expect("connect to the emulator")
}
