//! Jinja that looks at the warehouse: `execute`, `run_query`, `{% call statement %}`,
//! `load_result`, and the result tables they give (agate's `Table` as dbt packages read it:
//! `.rows`, `.columns[0].values()`, `.column_names`).
//!
//! At parse and compile no connection is open: `execute` is false, `run_query` and
//! `load_result` give none and `statement` runs nothing, as in dbt's parse. Using any of them
//! marks the render as introspective (`Recorded::introspects`); the run renders such a node
//! again, when its parents exist, with `Scope::live` set to a connection.

use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};
use std::sync::{Arc, Mutex};

use super::scope;
use crate::adapter::{Connection, Rows};

/// The connection a run-time render queries (shared by the workers; a query holds it briefly).
pub(crate) type Live = Arc<Mutex<Box<dyn Connection>>>;

pub(super) fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// Note that the current render looks at the warehouse (its parse text cannot be reused and
/// its node renders again at run time); the live connection, when there is one.
pub(crate) fn introspect() -> Option<Live> {
    scope::current(|s| {
        let s = s?;
        s.recorded.introspects = true;
        if let Some(p) = s.pending.as_mut() {
            p.tainted = true;
        }
        s.live.clone()
    })
}

/// Run `f` on the live connection.
pub(crate) fn with_conn<T>(
    live: &Live,
    f: impl FnOnce(&mut dyn Connection) -> crate::error::Result<T>,
) -> Result<T, Error> {
    let mut conn = live
        .lock()
        .map_err(|_| err("the warehouse connection was poisoned by a panic"))?;
    f(conn.as_mut()).map_err(|e| err(e.to_string()))
}

/// `execute`: true only in a run-time render, where queries reach the warehouse.
#[derive(Debug)]
pub(crate) struct Execute;

impl Object for Execute {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn is_true(self: &Arc<Self>) -> bool {
        introspect().is_some()
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if introspect().is_some() { "True" } else { "False" })
    }
}

/// `run_query(sql)`: the result table, or none when not executing.
pub(crate) fn run_query(sql: Value) -> Result<Value, Error> {
    let Some(live) = introspect() else {
        return Ok(Value::from(()));
    };
    let rows = with_conn(&live, |c| c.query(&sql.to_string()))?;
    Ok(table(rows))
}

/// `load_result(name)`: what `{% call statement(name) %}` stored, or none.
pub(crate) fn load_result(name: &str) -> Value {
    introspect();
    scope::current(|s| s.and_then(|s| s.results.get(name).cloned())).unwrap_or(Value::from(()))
}

/// `{% call statement(name='main', fetch_result=False) %}sql{% endcall %}`: runs the body when
/// executing and keeps the result for `load_result(name)`.
#[derive(Debug)]
pub(crate) struct Statement;

impl Object for Statement {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (name, kwargs): (Option<&str>, Kwargs) = minijinja::value::from_args(args)?;
        let name = match kwargs.get::<Option<&str>>("name")? {
            Some(n) => n.to_string(),
            None => name.unwrap_or("main").to_string(),
        };
        let fetch: Option<bool> = kwargs.get("fetch_result")?;
        let caller: Option<Value> = kwargs.get("caller")?;
        let Some(live) = introspect() else {
            return Ok(Value::from(""));
        };
        let Some(caller) = caller else {
            return Err(err(
                "statement() is a call block: {% call statement('name') %}sql{% endcall %}",
            ));
        };
        let sql = caller.call(state, &[])?.to_string();
        let result = match fetch.unwrap_or(false) {
            true => {
                let rows = with_conn(&live, |c| c.query(&sql))?;
                statement_result(Some(rows))
            }
            false => {
                with_conn(&live, |c| c.execute(&sql))?;
                statement_result(None)
            }
        };
        scope::current(|s| {
            if let Some(s) = s {
                s.results.insert(name, result);
            }
        });
        Ok(Value::from(""))
    }
}

/// What `load_result` gives: `{response, data, table}` (data: the rows as lists).
fn statement_result(rows: Option<Rows>) -> Value {
    let data: Vec<Value> = rows
        .as_ref()
        .map(|r| {
            r.rows
                .iter()
                .map(|row| Value::from(row.iter().map(super::to_value).collect::<Vec<_>>()))
                .collect()
        })
        .unwrap_or_default();
    let code = if rows.is_some() { "SELECT" } else { "OK" };
    minijinja::context! {
        response => minijinja::context! { code => code, rows_affected => data.len() },
        data => data,
        table => rows.map(table).unwrap_or(Value::from(())),
    }
}

/// Query rows as an agate-like table.
pub(crate) fn table(rows: Rows) -> Value {
    Value::from_object(Table(Arc::new(rows)))
}

/// A query's result: iterating gives rows; `.rows`, `.columns`, `.column_names`.
#[derive(Debug)]
pub(crate) struct Table(Arc<Rows>);

impl Table {
    fn row(&self, i: usize) -> Option<Value> {
        self.0.rows.get(i)?;
        Some(Value::from_object(Row {
            rows: self.0.clone(),
            index: i,
        }))
    }
}

impl Object for Table {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if let Some(i) = key.as_usize() {
            return self.row(i);
        }
        match key.as_str()? {
            "rows" => Some(Value::from(
                (0..self.0.rows.len()).filter_map(|i| self.row(i)).collect::<Vec<_>>(),
            )),
            "columns" => Some(Value::from_object(Columns(self.0.clone()))),
            "column_names" => Some(Value::from(self.0.columns.clone())),
            _ => None,
        }
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.rows.len())
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            // agate prints to the terminal; here it goes to the debug log.
            "print_table" => {
                tracing::debug!(target: "mozt::jinja", "{:?}", self.0);
                Ok(Value::from(""))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A column of `rows` by position or by name (any case).
fn column_index(rows: &Rows, key: &Value) -> Option<usize> {
    match key.as_usize() {
        Some(i) => (i < rows.columns.len()).then_some(i),
        None => {
            let name = key.as_str()?;
            rows.columns.iter().position(|c| c.eq_ignore_ascii_case(name))
        }
    }
}

/// One row: cells by position or by column name.
#[derive(Debug)]
struct Row {
    rows: Arc<Rows>,
    index: usize,
}

impl Object for Row {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let row = self.rows.rows.get(self.index)?;
        row.get(column_index(&self.rows, key)?).map(super::to_value)
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.rows.columns.len())
    }
}

/// `table.columns`: by position or name; each has `.name` and `.values()`.
#[derive(Debug)]
struct Columns(Arc<Rows>);

impl Object for Columns {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from_object(TableColumn {
            rows: self.0.clone(),
            index: column_index(&self.0, key)?,
        }))
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.columns.len())
    }
    /// agate's MappedSequence methods: `keys()` (the names), `values()` (the columns) and
    /// `items()` (name, column pairs; dbt_utils' get_query_results_as_dict reads them so).
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        let column = |index: usize| {
            Value::from_object(TableColumn {
                rows: self.0.clone(),
                index,
            })
        };
        let names = || self.0.columns.iter().enumerate();
        match method {
            "keys" => Ok(Value::from(self.0.columns.clone())),
            "values" => Ok(Value::from(names().map(|(i, _)| column(i)).collect::<Vec<_>>())),
            "items" => Ok(Value::from(
                names()
                    .map(|(i, name)| Value::from(vec![Value::from(name.clone()), column(i)]))
                    .collect::<Vec<_>>(),
            )),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

#[derive(Debug)]
struct TableColumn {
    rows: Arc<Rows>,
    index: usize,
}

impl Object for TableColumn {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "name" => self.rows.columns.get(self.index).map(|n| Value::from(n.clone())),
            _ => None,
        }
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "values" => Ok(Value::from(
                self.rows
                    .rows
                    .iter()
                    .map(|r| r.get(self.index).map(super::to_value).unwrap_or(Value::from(())))
                    .collect::<Vec<_>>(),
            )),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}
