//! Snapshots: a type-2 slowly changing dimension over a query. Each run closes the current
//! version of every changed row (`mozt_valid_to`) and inserts its new version; with
//! `invalidate_hard_deletes`, rows gone from the source are closed too. Columns added:
//! `mozt_scd_id`, `mozt_updated_at`, `mozt_valid_from`, `mozt_valid_to`.

use super::{Job, Outcome, atomic, swap};
use crate::adapter::RelationKind;
use crate::error::Result;
use crate::manifest::Node;
use crate::manifest::config::{HardDeletes, SnapshotStrategy};
use crate::relation::Relation;

pub(crate) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let node = job.node;
    let rel = job.relation.clone();
    let config = node.settings.build();
    let keys: Vec<String> = config.unique_key.iter().map(|k| rel.quote_ident(k)).collect();
    let check = config.strategy == Some(SnapshotStrategy::Check);
    let run_ts = format!(
        "cast('{}' as timestamp)",
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.6f")
    );
    let updated = |alias: &str| match config.updated_at.as_deref() {
        Some(col) if !check => format!("cast({alias}.{} as timestamp)", rel.quote_ident(col)),
        _ => run_ts.clone(),
    };
    let hard_deletes = config.hard_deletes == HardDeletes::Invalidate;
    let scd_id = |alias: &str| {
        let parts: Vec<String> = keys
            .iter()
            .map(|k| format!("coalesce(cast({alias}.{k} as varchar), '')"))
            .chain(std::iter::once(format!(
                "coalesce(cast({} as varchar), '')",
                updated(alias)
            )))
            .collect();
        format!("md5({})", parts.join(" || '|' || "))
    };

    let stage = super::stage(&mut job, &rel)?;
    let result = (|| {
        let source_cols: Vec<String> = job.conn.columns(&stage)?.into_iter().map(|(c, _)| c).collect();
        if job.catalog.kind(&rel) != Some(RelationKind::Table) {
            first_run(&mut job, &rel, &stage, &scd_id("s"), &updated("s"))
        } else {
            let ctx = Later {
                rel: &rel,
                stage: &stage,
                keys: &keys,
                run_ts: &run_ts,
                hard_deletes,
            };
            later_run(&mut job, &ctx, &source_cols, check, &scd_id("mozt_chg"), &updated("s"))
        }
    })();
    super::discard(&mut job, &stage);
    result
}

fn first_run(job: &mut Job<'_>, rel: &Relation, stage: &Relation, scd_id: &str, updated: &str) -> Result<Outcome> {
    let tmp = swap::temp_relation(rel);
    swap::clear(job, &tmp)?;
    job.conn.execute(&format!(
        "create table {tmp} as\nselect s.*, {scd_id} as mozt_scd_id, {updated} as mozt_updated_at,\n  \
         {updated} as mozt_valid_from, cast(null as timestamp) as mozt_valid_to\nfrom {stage} as s"
    ))?;
    job.catalog.set(&tmp, Some(RelationKind::Table));
    swap::swap_in(job, &tmp, RelationKind::Table, rel)?;
    Ok(Outcome {
        message: format!("created snapshot {}", rel.short()),
        rows: None,
    })
}

struct Later<'a> {
    rel: &'a Relation,
    stage: &'a Relation,
    keys: &'a [String],
    run_ts: &'a str,
    hard_deletes: bool,
}

fn later_run(
    job: &mut Job<'_>,
    ctx: &Later<'_>,
    source_cols: &[String],
    check: bool,
    scd_id: &str,
    updated: &str,
) -> Result<Outcome> {
    let Later { rel, stage, keys, .. } = *ctx;
    let mut ddl = new_columns(job, rel, stage)?;
    let changed = if check {
        check_condition(job.node, rel, keys, source_cols)
    } else {
        format!("{updated} > mozt_cur.mozt_updated_at")
    };
    let first_key = keys.first().cloned().unwrap_or_default();
    let changes = rel.with_identifier(format!("{}__mozt_changes", rel.identifier));
    ddl.push(format!("drop table if exists {changes}"));
    ddl.push(format!(
        "create table {changes} as\nselect s.*, {updated} as mozt_new_updated_at\nfrom {stage} as s\n\
         left join {rel} as mozt_cur on {} and mozt_cur.mozt_valid_to is null\n\
         where mozt_cur.{first_key} is null or ({changed})",
        on(keys, "s", "mozt_cur")
    ));
    let unit = atomic::Unit {
        ddl,
        dml: new_versions(ctx, &changes, source_cols, scd_id),
        after: vec![format!("drop table {changes}")],
    };
    if let Err(e) = atomic::apply(job, unit) {
        let _ = job.conn.execute(&format!("drop table if exists {changes}"));
        return Err(e);
    }
    Ok(Outcome {
        message: format!("snapshotted {}", rel.short()),
        rows: None,
    })
}

/// `a.k = b.k and ...` over the (quoted) key columns.
fn on(keys: &[String], a: &str, b: &str) -> String {
    keys.iter()
        .map(|k| format!("{a}.{k} = {b}.{k}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The DDL adding the query's new columns to the snapshot table.
fn new_columns(job: &mut Job<'_>, rel: &Relation, stage: &Relation) -> Result<Vec<String>> {
    let existing = job.conn.columns(rel)?;
    let mut ddl = vec![];
    for (c, ty) in job.conn.columns(stage)? {
        if !existing.iter().any(|(e, _)| e.eq_ignore_ascii_case(&c)) {
            ddl.push(format!("alter table {rel} add column {} {ty}", rel.quote_ident(&c)));
        }
    }
    Ok(ddl)
}

/// Strategy `check`: a row changed when one of `check_cols` (all columns but the key when it
/// is not a list) differs from its current version.
fn check_condition(node: &Node, rel: &Relation, keys: &[String], source_cols: &[String]) -> String {
    let cols: Vec<String> = match &node.settings.build().check_cols {
        Some(listed) => listed.iter().map(|c| rel.quote_ident(c)).collect(),
        None => source_cols
            .iter()
            .map(|c| rel.quote_ident(c))
            .filter(|c| !keys.iter().any(|k| k.eq_ignore_ascii_case(c)))
            .collect(),
    };
    let diffs: Vec<String> = cols
        .iter()
        .map(|c| format!("s.{c} is distinct from mozt_cur.{c}"))
        .collect();
    if diffs.is_empty() {
        "false".to_string()
    } else {
        diffs.join(" or ")
    }
}

/// Close the current version of every changed row and insert its new one (and, with hard
/// deletes invalidated, close the rows gone from the query).
fn new_versions(ctx: &Later<'_>, changes: &Relation, source_cols: &[String], scd_id: &str) -> Vec<String> {
    let Later {
        rel,
        stage,
        keys,
        run_ts,
        hard_deletes,
    } = *ctx;
    let mut stmts = vec![];
    stmts.push(format!(
        "update {rel} as mozt_cur set mozt_valid_to = mozt_chg.mozt_new_updated_at\nfrom {changes} as mozt_chg\n\
         where {} and mozt_cur.mozt_valid_to is null",
        on(keys, "mozt_chg", "mozt_cur")
    ));
    let cols: Vec<String> = source_cols.iter().map(|c| rel.quote_ident(c)).collect();
    stmts.push(format!(
        "insert into {rel} ({cols}, mozt_scd_id, mozt_updated_at, mozt_valid_from, mozt_valid_to)\n\
         select {chg_cols}, {scd_id}, mozt_new_updated_at, mozt_new_updated_at, cast(null as timestamp)\n\
         from {changes} as mozt_chg",
        cols = cols.join(", "),
        chg_cols = cols
            .iter()
            .map(|c| format!("mozt_chg.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    if hard_deletes {
        stmts.push(format!(
            "update {rel} as mozt_cur set mozt_valid_to = {run_ts}\n\
             where mozt_cur.mozt_valid_to is null and not exists (select 1 from {stage} as s where {})",
            on(keys, "s", "mozt_cur")
        ));
    }
    stmts
}
