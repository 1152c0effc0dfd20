//! Seeds: a CSV file loaded as a table, with inferred column types (or `column_types` from
//! YAML), built aside and swapped in like any table.

use serde_json::{Map, Value};
use std::path::Path;

use super::{Job, Outcome, swap};
use crate::adapter::RelationKind;
use crate::error::{Error, Location, Result};
use crate::manifest::Node;
use crate::project::csv;

/// Read a seed's CSV file and check its `column_types` against the header. Every error here is
/// the project's (exit 2), located in the seed file; `mozt seed`/`build` run this for every
/// selected seed before anything is built.
pub(crate) fn read_checked(root: &Path, node: &Node) -> Result<(csv::SeedData, Map<String, Value>)> {
    let delimiter = node.settings.build().delimiter;
    let data = csv::read(root, &node.original_file_path, delimiter)?;
    let overrides = node
        .config
        .get("column_types")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let header = || Location::at(&node.original_file_path, 1);
    for (key, ty) in &overrides {
        if !ty.is_string() {
            return Err(Error::project(format!(
                "column_types.{key} of seed {} must be a type name like varchar, not {ty}",
                node.name
            ))
            .at(header())
            .help("write the type as text, e.g. column_types: {zip: varchar}"));
        }
        if !data.columns.iter().any(|c| c.eq_ignore_ascii_case(key)) {
            return Err(Error::project(format!(
                "column_types names '{key}', which is not a column of seed {} (columns: {})",
                node.name,
                data.columns.join(", ")
            ))
            .at(header())
            .help("fix the column's name under column_types in the seed's YAML or project.yml"));
        }
    }
    Ok((data, overrides))
}

/// A CSV header's column as SQL: quoted as written with `quote_columns: true`; else as an
/// unquoted name where it can be one, in upper case where the models read Snowflake's folded
/// names (DuckDB under `dialect: snowflake`, as a seed on Snowflake has them).
fn column_name(job: &Job<'_>, header: &str) -> String {
    if job.node.settings.build().quote_columns == Some(true) {
        return crate::relation::quote_always(header);
    }
    let sql = job.relation.quote_ident(header);
    if sql == header && job.adapter.sql().folds_unquoted_names() {
        return job.relation.quote_ident(&header.to_ascii_uppercase());
    }
    sql
}

pub(crate) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let node = job.node;
    let (mut data, overrides) = read_checked(&job.project.root, node)?;
    let dbt_layout = job.project.dbt.is_some();
    let names: Vec<String> = data.columns.iter().map(|c| column_name(&job, c)).collect();
    let mut cols = vec![];
    let mut text_columns = vec![];
    for (i, (name, sql_name)) in data.columns.iter().zip(&names).enumerate() {
        let inferred = match dbt_layout {
            true => csv::dbt_rules::infer(&data, i),
            false => csv::infer(&data, i),
        };
        let ty = match overrides.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some((_, t)) => t.as_str().unwrap_or_default().to_string(),
            None => job.adapter.seed_type(inferred).to_string(),
        };
        let lower = ty.to_ascii_lowercase();
        text_columns.push(["char", "string", "text"].iter().any(|t| lower.contains(t)));
        cols.push(format!("{sql_name} {ty}"));
    }
    if dbt_layout {
        // `null` cells: NULL, as dbt reads them; on DuckDB a text column keeps the text, as
        // dbt-duckdb's CSV load does.
        let keep_text = job.adapter.kind() == crate::project::AdapterKind::DuckDb;
        csv::dbt_rules::nulls_as_dbt(&mut data, |i| !(keep_text && text_columns.get(i) == Some(&true)));
    }
    let rel = job.relation.clone();
    let tmp = swap::temp_relation(&rel);
    swap::clear(&mut job, &tmp)?;
    job.conn
        .execute(&format!("create table {tmp} (\n  {}\n)", cols.join(",\n  ")))?;
    job.catalog.set(&tmp, Some(RelationKind::Table));
    if let Err(e) = job.conn.insert_rows(&tmp, &names, &data.rows) {
        let _ = job.conn.execute(&format!("drop table if exists {tmp}"));
        job.catalog.set(&tmp, None);
        return Err(Error::runtime(format!(
            "loading {} failed: {}",
            node.original_file_path.display(),
            e.message
        ))
        .help("a value does not fit its column's type; set column_types for the seed in YAML"));
    }
    if let Some(stmt) = job
        .adapter
        .replace_table_sql(node, &rel, &format!("select * from {tmp}"))
    {
        // Snowflake: copy the loaded table into place in one atomic statement.
        if job.catalog.kind(&rel) == Some(RelationKind::View) {
            job.conn.execute(&format!("drop view if exists {rel}"))?;
        }
        let result = job.conn.execute(&stmt);
        let _ = job.conn.execute(&format!("drop table if exists {tmp}"));
        job.catalog.set(&tmp, None);
        result?;
        job.catalog.set(&rel, Some(RelationKind::Table));
    } else {
        swap::swap_in(&mut job, &tmp, RelationKind::Table, &rel)?;
    }
    Ok(Outcome {
        message: format!("loaded seed file {}", rel.short()),
        rows: Some(data.rows.len()),
    })
}
