//! `materialized: incremental`: the first run (or `--full-refresh`) builds the whole table;
//! later runs stage the new rows in a temporary table and apply them in one transaction with
//! the model's strategy (`append`, `delete+insert`, `merge`), so a failed run changes nothing.

use super::{Job, Outcome, atomic, swap, table};
use crate::adapter::RelationKind;
use crate::error::{Error, Result};
use crate::manifest::Node;
use crate::manifest::config::{IncrementalStrategy, OnSchemaChange};
use crate::relation::Relation;

pub(crate) fn build(mut job: Job<'_>) -> Result<Outcome> {
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

fn has(cols: &[(String, String)], name: &str) -> bool {
    cols.iter().any(|(c, _)| c.eq_ignore_ascii_case(name))
}

fn apply(job: &mut Job<'_>, rel: &Relation, tmp: &Relation) -> Result<Outcome> {
    let node = job.node;
    let keys = &node.settings.build().unique_key;
    let strategy =
        node.settings.build().incremental_strategy.clone().unwrap_or_else(|| {
            IncrementalStrategy::from_name(job.adapter.default_incremental_strategy(!keys.is_empty()))
        });
    let existing = job.conn.columns(rel)?;
    let incoming = job.conn.columns(tmp)?;
    let change = SchemaChange::between(&existing, &incoming);
    let (ddl, columns) = change.apply(node, rel, &existing, &incoming)?;
    for k in keys {
        if !has(&incoming, k) {
            return Err(Error::project(format!(
                "unique_key '{k}' of model {} is not one of its columns",
                node.name
            ))
            .in_file(&node.original_file_path));
        }
    }
    let stmts = statements(node, &strategy, rel, tmp, &columns)?;
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

/// The columns the new rows add to the relation and the ones they no longer have.
struct SchemaChange {
    added: Vec<(String, String)>,
    removed: Vec<String>,
}

impl SchemaChange {
    fn between(existing: &[(String, String)], incoming: &[(String, String)]) -> SchemaChange {
        SchemaChange {
            added: incoming.iter().filter(|(c, _)| !has(existing, c)).cloned().collect(),
            removed: existing
                .iter()
                .filter(|(c, _)| !has(incoming, c))
                .map(|(c, _)| c.clone())
                .collect(),
        }
    }

    /// By the model's `on_schema_change`: the DDL that changes the relation's columns, and the
    /// columns the new rows are written to.
    fn apply(
        &self,
        node: &Node,
        rel: &Relation,
        existing: &[(String, String)],
        incoming: &[(String, String)],
    ) -> Result<(Vec<String>, Vec<String>)> {
        let kept = || {
            existing
                .iter()
                .filter(|(c, _)| has(incoming, c))
                .map(|(c, _)| c.clone())
        };
        let add = || {
            self.added
                .iter()
                .map(|(c, ty)| format!("alter table {rel} add column {} {ty}", rel.quote_ident(c)))
        };
        match &node.settings.build().on_schema_change {
            OnSchemaChange::Ignore => Ok((vec![], kept().collect())),
            OnSchemaChange::Fail => {
                if !self.added.is_empty() || !self.removed.is_empty() {
                    return Err(Error::runtime(format!(
                        "the columns of {} changed (new: {}; missing: {}) and on_schema_change is 'fail'",
                        node.name,
                        names(self.added.iter().map(|(c, _)| c.as_str())),
                        names(self.removed.iter().map(String::as_str)),
                    ))
                    .help("run with --full-refresh, or set on_schema_change to append_new_columns or sync_all_columns"));
                }
                Ok((vec![], existing.iter().map(|(c, _)| c.clone()).collect()))
            }
            OnSchemaChange::AppendNewColumns => Ok((
                add().collect(),
                kept().chain(self.added.iter().map(|(c, _)| c.clone())).collect(),
            )),
            OnSchemaChange::SyncAllColumns => {
                let drop = self
                    .removed
                    .iter()
                    .map(|c| format!("alter table {rel} drop column {}", rel.quote_ident(c)));
                Ok((add().chain(drop).collect(), incoming.iter().map(|(c, _)| c.clone()).collect()))
            }
            OnSchemaChange::Other(other) => Err(Error::project(format!(
                "on_schema_change '{other}' of model {} is not one of ignore, fail, append_new_columns, sync_all_columns",
                node.name
            ))
            .in_file(&node.original_file_path)),
        }
    }
}

/// The statements that apply the staged rows in `tmp` to `rel` by the strategy.
fn statements(
    node: &Node,
    strategy: &IncrementalStrategy,
    rel: &Relation,
    tmp: &Relation,
    columns: &[String],
) -> Result<Vec<String>> {
    let keys = &node.settings.build().unique_key;
    let col_list = columns
        .iter()
        .map(|c| rel.quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let needs_key = || {
        Error::project(format!(
            "incremental strategy '{strategy}' of model {} needs a unique_key",
            node.name
        ))
        .in_file(&node.original_file_path)
        .help("set unique_key in the model's config, or use incremental_strategy='append'")
    };
    let insert = || format!("insert into {rel} ({col_list})\nselect {col_list} from {tmp}");
    match strategy {
        IncrementalStrategy::Append => Ok(vec![insert()]),
        IncrementalStrategy::DeleteInsert => {
            if keys.is_empty() {
                return Err(needs_key());
            }
            let cond: Vec<String> = keys
                .iter()
                .map(|c| rel.quote_ident(c))
                .map(|c| format!("{rel}.{c} = mozt_new.{c}"))
                .collect();
            Ok(vec![
                format!(
                    "delete from {rel} where exists (select 1 from {tmp} as mozt_new where {})",
                    cond.join(" and ")
                ),
                insert(),
            ])
        }
        IncrementalStrategy::Merge => {
            if keys.is_empty() {
                return Err(needs_key());
            }
            Ok(vec![merge(node, rel, tmp, columns)])
        }
        IncrementalStrategy::Other(other) => Err(Error::project(format!(
            "incremental_strategy '{other}' of model {} is not one of append, delete+insert, merge",
            node.name
        ))
        .in_file(&node.original_file_path)),
    }
}

/// `merge into`: matched rows update the columns of `merge_update_columns` (or all but
/// `merge_exclude_columns` and the key), new rows are inserted.
fn merge(node: &Node, rel: &Relation, tmp: &Relation, columns: &[String]) -> String {
    let config = node.settings.build();
    let keys = &config.unique_key;
    let on: Vec<String> = keys
        .iter()
        .map(|c| format!("mozt_old.{q} = mozt_new.{q}", q = rel.quote_ident(c)))
        .collect();
    let update_cols: Vec<&String> = match &config.merge_update_columns {
        Some(only) => columns
            .iter()
            .filter(|c| only.iter().any(|o| o.eq_ignore_ascii_case(c)))
            .collect(),
        None => {
            let exclude = config.merge_exclude_columns.as_deref().unwrap_or_default();
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
    let quoted: Vec<String> = columns.iter().map(|c| rel.quote_ident(c)).collect();
    let values: Vec<String> = quoted.iter().map(|c| format!("mozt_new.{c}")).collect();
    merge.push_str(&format!(
        "\nwhen not matched then insert ({}) values ({})",
        quoted.join(", "),
        values.join(", ")
    ));
    merge
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = it.collect();
    if v.is_empty() { "none".into() } else { v.join(", ") }
}
