//! Embedded DuckDB: a database file under target/ (or `:memory:`), one connection per worker.

use duckdb::types::{TimeUnit, ValueRef};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

mod sql;

use super::{Adapter, Connection, RelationKind, Rows, SeedType, SqlDialect, literal};
use crate::error::{Error, Result};
use crate::manifest::publish::ConstraintKind;
use crate::project::{AdapterKind, Target};
use crate::relation::Relation;

pub struct DuckDbAdapter {
    /// The first connection; workers get clones of it (same database, own transaction state).
    root: Mutex<duckdb::Connection>,
    sql: sql::DuckDbSql,
}

impl DuckDbAdapter {
    pub fn open(target: &Target, project_root: &Path) -> Result<DuckDbAdapter> {
        let path = target.setting("path").unwrap_or(":memory:");
        let conn = if path == ":memory:" {
            duckdb::Connection::open_in_memory()
        } else {
            let full = project_root.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::runtime(format!("cannot create {}: {e}", parent.display())))?;
            }
            duckdb::Connection::open(&full)
        }
        .map_err(|e| {
            Error::runtime(format!("cannot open the DuckDB database {path}: {e}"))
                .help("is another process (a running mozt, or a DuckDB shell) holding the file open?")
        })?;
        if let Some(threads) = target.settings.get("duckdb_threads").and_then(Value::as_u64) {
            conn.execute_batch(&format!("SET threads = {threads}"))
                .map_err(runtime)?;
        }
        Ok(DuckDbAdapter {
            root: Mutex::new(conn),
            sql: sql::DuckDbSql {
                snowflake_names: target.dialect == Some(crate::project::AdapterKind::Snowflake),
            },
        })
    }
}

fn runtime(e: duckdb::Error) -> Error {
    Error::runtime(e.to_string())
}

impl Adapter for DuckDbAdapter {
    fn kind(&self) -> AdapterKind {
        AdapterKind::DuckDb
    }

    fn connect(&self) -> Result<Box<dyn Connection>> {
        let root = self
            .root
            .lock()
            .map_err(|_| Error::runtime("the DuckDB connection was poisoned by a panic"))?;
        let conn = root.try_clone().map_err(runtime)?;
        // Ctrl-C interrupts the statement this connection runs (crate::cancel).
        let handle = conn.interrupt_handle();
        let on_cancel = crate::cancel::register(move || handle.interrupt());
        Ok(Box::new(DuckDbConnection {
            conn,
            _on_cancel: on_cancel,
        }))
    }

    fn sql(&self) -> &dyn SqlDialect {
        &self.sql
    }

    /// DuckDB checks not null, primary key, unique and check constraints. A foreign key would
    /// keep the table it points to from being replaced, so it is not created.
    fn enforces(&self, kind: &ConstraintKind) -> bool {
        matches!(
            kind,
            ConstraintKind::NotNull | ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Check
        )
    }

    fn seed_type(&self, t: SeedType) -> &'static str {
        match t {
            SeedType::Boolean => "BOOLEAN",
            // dbt-duckdb's `integer` where every value fits it.
            SeedType::Integer => "INTEGER",
            SeedType::BigInt => "BIGINT",
            SeedType::Float => "DOUBLE",
            SeedType::Date => "DATE",
            SeedType::Timestamp => "TIMESTAMP",
            SeedType::Text => "VARCHAR",
        }
    }
}

pub struct DuckDbConnection {
    conn: duckdb::Connection,
    _on_cancel: crate::cancel::HookGuard,
}

/// A DuckDB error; an interrupted statement reads as cancelled.
fn statement_error(e: duckdb::Error) -> Error {
    if crate::cancel::requested() {
        Error::runtime(crate::cancel::CANCELLED_MESSAGE)
    } else {
        runtime(e)
    }
}

impl Connection for DuckDbConnection {
    fn execute(&mut self, sql: &str) -> Result<()> {
        tracing::debug!(target: "mozt::sql", "{sql}");
        crate::cancel::check()?;
        self.conn.execute_batch(sql).map_err(statement_error)
    }

    fn query(&mut self, sql: &str) -> Result<Rows> {
        tracing::debug!(target: "mozt::sql", "{sql}");
        crate::cancel::check()?;
        let mut stmt = self.conn.prepare(sql).map_err(statement_error)?;
        let mut rows = stmt.query([]).map_err(statement_error)?;
        let mut out = Rows::default();
        let mut width = 0;
        while let Some(row) = rows.next().map_err(statement_error)? {
            if out.columns.is_empty() {
                let stmt = row.as_ref();
                width = stmt.column_count();
                out.columns = (0..width)
                    .map(|i| stmt.column_name(i).map(|s| s.to_string()).unwrap_or_default())
                    .collect();
            }
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(to_json(row.get_ref(i).map_err(runtime)?));
            }
            out.rows.push(cells);
        }
        drop(rows);
        if out.columns.is_empty() {
            out.columns = stmt.column_names();
        }
        Ok(out)
    }

    fn query_columns(&mut self, sql: &str) -> Result<Vec<(String, String)>> {
        let sql = sql.trim_end().trim_end_matches(';');
        let rows = self.query(&format!("describe select * from (\n{sql}\n) as mozt_query"))?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| Some((r.first()?.as_str()?.to_string(), r.get(1)?.as_str()?.to_string())))
            .collect())
    }

    fn list_relations(&mut self, schemas: &[String]) -> Result<HashMap<Relation, RelationKind>> {
        if schemas.is_empty() {
            return Ok(HashMap::new());
        }
        let list: Vec<String> = schemas.iter().map(|s| literal(&s.to_ascii_lowercase())).collect();
        let sql = format!(
            "select table_schema, table_name, table_type from information_schema.tables \
             where table_catalog = current_database() and lower(table_schema) in ({})",
            list.join(", ")
        );
        let rows = self.query(&sql)?;
        let mut out = HashMap::new();
        for r in rows.rows {
            let (Some(schema), Some(name), Some(kind)) = (r[0].as_str(), r[1].as_str(), r[2].as_str()) else {
                continue;
            };
            let kind = if kind.eq_ignore_ascii_case("VIEW") {
                RelationKind::View
            } else {
                RelationKind::Table
            };
            out.insert(
                Relation::new(None, schema.to_ascii_lowercase(), name.to_ascii_lowercase()),
                kind,
            );
        }
        Ok(out)
    }

    fn insert_rows(&mut self, relation: &Relation, columns: &[String], rows: &[Vec<Option<String>>]) -> Result<()> {
        // The appender casts VARCHAR input to each column's type, and is far faster than INSERTs.
        crate::cancel::check()?;
        let mut app = match &relation.database {
            None => self.conn.appender_to_db(&relation.identifier, &relation.schema),
            Some(db) => self
                .conn
                .appender_to_catalog_and_db(&relation.identifier, db, &relation.schema),
        }
        .map_err(runtime)?;
        let _ = columns;
        for row in rows {
            let params: Vec<Option<&str>> = row.iter().map(|c| c.as_deref()).collect();
            app.append_row(duckdb::appender_params_from_iter(params))
                .map_err(runtime)?;
        }
        app.flush().map_err(runtime)
    }
}

fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Boolean(b) => Value::Bool(b),
        ValueRef::TinyInt(i) => Value::from(i),
        ValueRef::SmallInt(i) => Value::from(i),
        ValueRef::Int(i) => Value::from(i),
        ValueRef::BigInt(i) => Value::from(i),
        ValueRef::HugeInt(i) => i64::try_from(i)
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(i.to_string())),
        ValueRef::UHugeInt(i) => u64::try_from(i)
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(i.to_string())),
        ValueRef::UTinyInt(i) => Value::from(i),
        ValueRef::USmallInt(i) => Value::from(i),
        ValueRef::UInt(i) => Value::from(i),
        ValueRef::UBigInt(i) => Value::from(i),
        ValueRef::Float(f) => serde_json::Number::from_f64(f as f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Double(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Decimal(d) => {
            let s = d.to_string();
            s.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or(Value::String(s))
        }
        ValueRef::Timestamp(unit, n) => {
            let micros = match unit {
                TimeUnit::Second => n.saturating_mul(1_000_000),
                TimeUnit::Millisecond => n.saturating_mul(1000),
                TimeUnit::Microsecond => n,
                TimeUnit::Nanosecond => n / 1000,
            };
            chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| {
                    let s = t.naive_utc().format("%Y-%m-%d %H:%M:%S%.f").to_string();
                    Value::String(s.trim_end_matches('.').to_string())
                })
                .unwrap_or(Value::Null)
        }
        ValueRef::Date32(days) => chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)))
            .map(|d| Value::String(d.to_string()))
            .unwrap_or(Value::Null),
        ValueRef::Time64(unit, n) => {
            let micros = match unit {
                TimeUnit::Second => n * 1_000_000,
                TimeUnit::Millisecond => n * 1000,
                TimeUnit::Microsecond => n,
                TimeUnit::Nanosecond => n / 1000,
            };
            let secs = micros / 1_000_000;
            Value::String(format!("{:02}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60))
        }
        ValueRef::Text(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Blob(b) | ValueRef::Geometry(b) => Value::String(format!("<{} bytes>", b.len())),
        ValueRef::Interval { months, days, nanos } => {
            Value::String(format!("{months} months {days} days {} us", nanos / 1000))
        }
        other => Value::String(format!("{:?}", other.data_type())),
    }
}
