//! Model contracts (`contract: {enforced: true}`), as dbt has them: before a model is built,
//! the columns its SQL returns are compared with the columns its schema YAML declares (names,
//! `data_type`, how many); any difference fails the model, listing every one, and nothing is
//! built. A table is then created with the declared columns and the constraints the warehouse
//! enforces; the others are warned about and not created.
//!
//! Types are compared as the warehouse names them: the declared `data_type`s are cast in one
//! query (`cast(null as <data_type>)`) and read back the way the model's columns are, so
//! `int` and `integer` (or `string` and `varchar`) are the same type wherever the warehouse
//! says so.

use crate::adapter::{Adapter, Connection};
use crate::error::{Error, Result};
use crate::manifest::publish::{Constraint, ConstraintKind};
use crate::manifest::{ColumnInfo, Node, ResourceType};
use crate::relation::Relation;

/// A declared column with its type as the warehouse names it.
struct Declared<'a> {
    column: &'a ColumnInfo,
    warehouse_type: String,
}

/// Check the model's SQL against its contract; an error listing every difference.
pub(crate) fn check(adapter: &dyn Adapter, conn: &mut dyn Connection, node: &Node, sql: &str) -> Result<()> {
    let declared = declared(conn, node)?;
    // Names as the model wrote them (Snowflake reports unquoted names in upper case).
    let actual: Vec<(String, String)> = conn
        .query_columns(sql)?
        .into_iter()
        .map(|(name, ty)| (adapter.sql().column_name_as_written(&name), ty))
        .collect();
    let mut diffs: Vec<String> = vec![];
    for (name, ty) in &actual {
        match declared.iter().find(|d| d.column.name.eq_ignore_ascii_case(name)) {
            None => diffs.push(format!(
                "{name}: the SQL returns it ({ty}), the contract does not declare it"
            )),
            Some(d) if !same_type(&d.warehouse_type, ty) => diffs.push(format!(
                "{name}: the contract says {} ({}), the SQL returns {ty}",
                d.column.data_type.as_deref().unwrap_or(""),
                d.warehouse_type
            )),
            Some(_) => {}
        }
    }
    for d in &declared {
        if !actual.iter().any(|(n, _)| n.eq_ignore_ascii_case(&d.column.name)) {
            diffs.push(format!(
                "{}: declared in the contract ({}), the SQL does not return it",
                d.column.name, d.warehouse_type
            ));
        }
    }
    if diffs.is_empty() {
        return Ok(());
    }
    Err(Error::runtime(format!(
        "model {} breaks its enforced contract (nothing was built):\n{}",
        node.name,
        diffs.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n")
    ))
    .help("make the model's SQL and the columns' name and data_type in its schema YAML agree"))
}

/// Types compare without case and spaces (`DECIMAL(18, 3)` and `decimal(18,3)`).
fn same_type(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase()
    };
    norm(a) == norm(b)
}

/// The declared columns, each with its `data_type` as the warehouse names it (one query).
fn declared<'a>(conn: &mut dyn Connection, node: &'a Node) -> Result<Vec<Declared<'a>>> {
    let columns: Vec<&ColumnInfo> = node.columns.values().collect();
    let untyped: Vec<&str> = columns
        .iter()
        .filter(|c| c.data_type.as_deref().is_none_or(|t| t.trim().is_empty()))
        .map(|c| c.name.as_str())
        .collect();
    if columns.is_empty() || !untyped.is_empty() {
        let what = if columns.is_empty() {
            "declares no columns".to_string()
        } else {
            format!("has columns without a data_type: {}", untyped.join(", "))
        };
        return Err(Error::runtime(format!(
            "model {} has an enforced contract but its schema YAML {what}",
            node.name
        ))
        .help("an enforced contract needs every column of the model in schema YAML with its data_type"));
    }
    let casts: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("cast(null as {}) as mozt_c{i}", c.data_type.as_deref().unwrap_or("")))
        .collect();
    let types = conn
        .query_columns(&format!("select {}", casts.join(", ")))
        .map_err(|e| {
            Error::runtime(format!(
                "a data_type in the contract of model {} is not a type: {}",
                node.name, e.message
            ))
        })?;
    Ok(columns
        .into_iter()
        .zip(types)
        .map(|(column, (_, warehouse_type))| Declared { column, warehouse_type })
        .collect())
}

/// The columns of the table an enforced contract creates: each declared name and type with
/// the constraints the warehouse enforces, then the model's own constraints (over several
/// columns); the others are warned about.
pub(crate) fn column_definitions(adapter: &dyn Adapter, node: &Node, relation: &Relation) -> String {
    let model_not_null: Vec<&str> = enforced(adapter, node, "the model", &node.constraints)
        .filter(|k| k.kind == ConstraintKind::NotNull)
        .flat_map(|k| k.columns.iter().map(String::as_str))
        .collect();
    let mut defs = vec![];
    for c in node.columns.values() {
        let mut def = format!(
            "{} {}",
            relation.quote_ident(&c.name),
            c.data_type.as_deref().unwrap_or("")
        );
        let on = format!("column {}", c.name);
        for k in enforced(adapter, node, &on, &c.constraints) {
            match (&k.kind, k.expression.as_deref()) {
                (ConstraintKind::NotNull, _) => def.push_str(" not null"),
                (ConstraintKind::PrimaryKey, _) => def.push_str(" primary key"),
                (ConstraintKind::Unique, _) => def.push_str(" unique"),
                (ConstraintKind::Check, Some(e)) => def.push_str(&format!(" check ({e})")),
                _ => warn_unusable(node, &on, k),
            }
        }
        if model_not_null.iter().any(|n| n.eq_ignore_ascii_case(&c.name)) && !def.ends_with(" not null") {
            def.push_str(" not null");
        }
        defs.push(def);
    }
    for k in enforced(adapter, node, "the model", &node.constraints) {
        let cols: Vec<String> = k.columns.iter().map(|c| relation.quote_ident(c)).collect();
        match (&k.kind, k.expression.as_deref()) {
            (ConstraintKind::NotNull, _) => {}
            (ConstraintKind::PrimaryKey, _) if !cols.is_empty() => {
                defs.push(format!("primary key ({})", cols.join(", ")))
            }
            (ConstraintKind::Unique, _) if !cols.is_empty() => defs.push(format!("unique ({})", cols.join(", "))),
            (ConstraintKind::Check, Some(e)) => defs.push(format!("check ({e})")),
            _ => warn_unusable(node, "the model", k),
        }
    }
    defs.join(", ")
}

/// The constraints of `list` the warehouse enforces; a warning for each of the others.
fn enforced<'a>(
    adapter: &'a dyn Adapter,
    node: &'a Node,
    on: &'a str,
    list: &'a [Constraint],
) -> impl Iterator<Item = &'a Constraint> + 'a {
    list.iter().filter(move |k| {
        let ok = adapter.enforces(&k.kind);
        if !ok {
            tracing::warn!(
                "model {}: the {} constraint on {on} is not created: on {} mozt creates only the \
                 constraints the warehouse checks on a table it rebuilds",
                node.name,
                k.kind.as_str(),
                adapter.kind()
            );
        }
        ok
    })
}

fn warn_unusable(node: &Node, on: &str, k: &Constraint) {
    tracing::warn!(
        "model {}: the {} constraint on {on} is not created: it needs {}",
        node.name,
        k.kind.as_str(),
        if k.kind == ConstraintKind::Check {
            "an expression"
        } else {
            "columns"
        }
    );
}

/// Whether `node` is a model with an enforced contract.
pub(crate) fn enforced_on(node: &Node) -> bool {
    node.settings.publish().contract_enforced && node.resource_type == ResourceType::Model
}

/// The statements that copy table `from` over `to` (deploy's promotion and staging, `clone`).
/// `own` says `to` is the node's own relation (not a table kept beside it). The adapter's copy
/// where it keeps a table's constraints (Snowflake's clone) or there is no contract; else the
/// contract's table, declared columns and constraints, filled from `from` (DuckDB's copy,
/// `create table ... as select`, would drop them).
pub(crate) fn copy_table(adapter: &dyn Adapter, node: &Node, from: &Relation, to: &Relation, own: bool) -> Vec<String> {
    if !own || !enforced_on(node) || adapter.copy_keeps_constraints() {
        return vec![adapter.copy_table_sql(node, from, to)];
    }
    table_with_columns(adapter, node, to, &format!("select * from {from}"))
}

/// The statements that replace table `rel` with the contract's declared columns and
/// constraints, filled from `sql` (one statement where the warehouse has one, else two to run
/// in one transaction).
pub(crate) fn table_with_columns(adapter: &dyn Adapter, node: &Node, rel: &Relation, sql: &str) -> Vec<String> {
    let defs = column_definitions(adapter, node, rel);
    let select = select_in_order(node, rel, sql);
    match adapter.replace_table_with_columns_sql(node, rel, &defs, &select) {
        Some(one) => vec![one],
        None => vec![
            format!("create or replace table {rel} ({defs})"),
            format!("insert into {rel}\n{select}"),
        ],
    }
}

/// Run `copy_table`'s statements: in one transaction where DDL is transactional, so a failed
/// insert leaves the table that was there.
pub(crate) fn run_copy(
    adapter: &dyn Adapter,
    conn: &mut dyn Connection,
    node: &Node,
    from: &Relation,
    to: &Relation,
    own: bool,
) -> Result<()> {
    super::atomic::run_all(adapter, conn, &copy_table(adapter, node, from, to, own))
}

/// `select <declared columns> from (<sql>)`: the model's rows in the contract's column order.
pub(crate) fn select_in_order(node: &Node, relation: &Relation, sql: &str) -> String {
    let cols: Vec<String> = node.columns.values().map(|c| relation.quote_ident(&c.name)).collect();
    format!("select {} from (\n{sql}\n) as mozt_contract", cols.join(", "))
}
