//! `materialized: incremental`: the first run (or `--full-refresh`) builds the whole table;
//! later runs stage the new rows in a temporary table and apply them in one transaction with
//! the model's strategy (`append`, `delete+insert`, `merge`), so a failed run changes nothing.

use serde_json::Value;

use super::{Job, Outcome, atomic, swap, table};
use crate::adapter::RelationKind;
use crate::error::{Error, Result};
use crate::relation::Relation;

pub fn build(mut job: Job<'_>) -> Result<Outcome> {
    let rel = job.relation.clone();
    if !job.incremental || job.catalog.kind(&rel) != Some(RelationKind::Table) {
        let out = table::build(job)?;
        return Ok(Outcome {
            message: format!("built incremental model {} in full", rel.short()),
            rows: out.rows,
        });
    }
    let tmp = swap::temp_relation(&rel);
    swap::clear(&mut job, &tmp)?;
    let sql = job.sql.trim_end().trim_end_matches(';');
    job.conn.execute(&format!("create table {tmp} as {sql}"))?;
    job.catalog.set(&tmp, Some(RelationKind::Table));
    let result = apply(&mut job, &rel, &tmp);
    super::discard(&mut job, &tmp);
    result
}

/// The model's unique key: one column or a list.
pub fn unique_key(config: &serde_json::Map<String, Value>) -> Vec<String> {
    match config.get("unique_key") {
        Some(Value::String(s)) => s
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => vec![],
    }
}

fn list(config: &serde_json::Map<String, Value>, key: &str) -> Option<Vec<String>> {
    match config.get(key)? {
        Value::Array(a) => Some(a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

fn has(cols: &[(String, String)], name: &str) -> bool {
    cols.iter().any(|(c, _)| c.eq_ignore_ascii_case(name))
}

fn apply(job: &mut Job<'_>, rel: &Relation, tmp: &Relation) -> Result<Outcome> {
    let node = job.node;
    let config = &node.config;
    let keys = unique_key(config);
    let strategy = node
        .config_str("incremental_strategy")
        .map(str::to_string)
        .unwrap_or_else(|| job.adapter.default_incremental_strategy(!keys.is_empty()).to_string());
    let on_change = node.config_str("on_schema_change").unwrap_or("ignore").to_string();
    let existing = job.conn.columns(rel)?;
    let incoming = job.conn.columns(tmp)?;
    let added: Vec<(String, String)> = incoming.iter().filter(|(c, _)| !has(&existing, c)).cloned().collect();
    let removed: Vec<String> = existing
        .iter()
        .filter(|(c, _)| !has(&incoming, c))
        .map(|(c, _)| c.clone())
        .collect();

    let mut ddl: Vec<String> = vec![];
    let mut stmts: Vec<String> = vec![];
    let columns: Vec<String> = match on_change.as_str() {
        "ignore" => existing
            .iter()
            .filter(|(c, _)| has(&incoming, c))
            .map(|(c, _)| c.clone())
            .collect(),
        "fail" => {
            if !added.is_empty() || !removed.is_empty() {
                return Err(Error::runtime(format!(
                    "the columns of {} changed (new: {}; missing: {}) and on_schema_change is 'fail'",
                    node.name,
                    names(added.iter().map(|(c, _)| c.as_str())),
                    names(removed.iter().map(String::as_str)),
                ))
                .help("run with --full-refresh, or set on_schema_change to append_new_columns or sync_all_columns"));
            }
            existing.iter().map(|(c, _)| c.clone()).collect()
        }
        "append_new_columns" | "sync_all_columns" => {
            for (c, ty) in &added {
                ddl.push(format!("alter table {rel} add column {} {ty}", rel.quote_ident(c)));
            }
            if on_change == "sync_all_columns" {
                for c in &removed {
                    ddl.push(format!("alter table {rel} drop column {}", rel.quote_ident(c)));
                }
                incoming.iter().map(|(c, _)| c.clone()).collect()
            } else {
                existing
                    .iter()
                    .filter(|(c, _)| has(&incoming, c))
                    .map(|(c, _)| c.clone())
                    .chain(added.iter().map(|(c, _)| c.clone()))
                    .collect()
            }
        }
        other => {
            return Err(Error::project(format!(
                "on_schema_change '{other}' of model {} is not one of ignore, fail, append_new_columns, sync_all_columns",
                node.name
            ))
            .in_file(&node.original_file_path));
        }
    };
    for k in &keys {
        if !has(&incoming, k) {
            return Err(Error::project(format!(
                "unique_key '{k}' of model {} is not one of its columns",
                node.name
            ))
            .in_file(&node.original_file_path));
        }
    }
    let quoted: Vec<String> = columns.iter().map(|c| rel.quote_ident(c)).collect();
    let col_list = quoted.join(", ");
    let needs_key = || {
        Error::project(format!(
            "incremental strategy '{strategy}' of model {} needs a unique_key",
            node.name
        ))
        .in_file(&node.original_file_path)
        .help("set unique_key in the model's config, or use incremental_strategy='append'")
    };
    match strategy.as_str() {
        "append" => stmts.push(format!("insert into {rel} ({col_list})\nselect {col_list} from {tmp}")),
        "delete+insert" => {
            if keys.is_empty() {
                return Err(needs_key());
            }
            let k: Vec<String> = keys.iter().map(|c| rel.quote_ident(c)).collect();
            let cond: Vec<String> = k.iter().map(|c| format!("{rel}.{c} = mozt_new.{c}")).collect();
            stmts.push(format!(
                "delete from {rel} where exists (select 1 from {tmp} as mozt_new where {})",
                cond.join(" and ")
            ));
            stmts.push(format!("insert into {rel} ({col_list})\nselect {col_list} from {tmp}"));
        }
        "merge" => {
            if keys.is_empty() {
                return Err(needs_key());
            }
            let on: Vec<String> = keys
                .iter()
                .map(|c| format!("mozt_old.{q} = mozt_new.{q}", q = rel.quote_ident(c)))
                .collect();
            let update_cols: Vec<&String> = match list(config, "merge_update_columns") {
                Some(only) => columns
                    .iter()
                    .filter(|c| only.iter().any(|o| o.eq_ignore_ascii_case(c)))
                    .collect(),
                None => {
                    let exclude = list(config, "merge_exclude_columns").unwrap_or_default();
                    columns
                        .iter()
                        .filter(|c| !exclude.iter().any(|o| o.eq_ignore_ascii_case(c)))
                        .filter(|c| !keys.iter().any(|k| k.eq_ignore_ascii_case(c)))
                        .collect()
                }
            };
            let mut merge = format!(
                "merge into {rel} as mozt_old\nusing {tmp} as mozt_new\non {}",
                on.join(" and ")
            );
            if !update_cols.is_empty() {
                let sets: Vec<String> = update_cols
                    .iter()
                    .map(|c| format!("{q} = mozt_new.{q}", q = rel.quote_ident(c)))
                    .collect();
                merge.push_str(&format!("\nwhen matched then update set {}", sets.join(", ")));
            }
            let values: Vec<String> = quoted.iter().map(|c| format!("mozt_new.{c}")).collect();
            merge.push_str(&format!(
                "\nwhen not matched then insert ({col_list}) values ({})",
                values.join(", ")
            ));
            stmts.push(merge);
        }
        other => {
            return Err(Error::project(format!(
                "incremental_strategy '{other}' of model {} is not one of append, delete+insert, merge",
                node.name
            ))
            .in_file(&node.original_file_path));
        }
    }
    let staged = super::count_rows(job, tmp)?;
    atomic::apply(
        job,
        atomic::Unit {
            ddl,
            dml: stmts,
            after: vec![],
        },
    )?;
    Ok(Outcome {
        message: format!("applied {staged} new rows to {} ({strategy})", rel.short()),
        rows: Some(staged as usize),
    })
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = it.collect();
    if v.is_empty() { "none".into() } else { v.join(", ") }
}
