//! Snapshots: a type-2 slowly changing dimension over a query, with dbt's semantics so that a
//! snapshot table dbt built is continued row for row. Each run closes the current version of
//! every changed row and inserts its new version; `hard_deletes: invalidate` closes the rows
//! gone from the query, `new_record` also inserts a version marked deleted. The columns added
//! (see `columns.rs`) are dbt's `dbt_scd_id`, `dbt_updated_at`, `dbt_valid_from`,
//! `dbt_valid_to` (and `dbt_is_deleted`) in a project in dbt's layout, `mozt_...` otherwise.

mod columns;

use super::{Job, Outcome, atomic, swap};
use crate::adapter::RelationKind;
use crate::error::Result;
use crate::manifest::config::{HardDeletes, SnapshotStrategy};
use crate::relation::Relation;
use columns::{MetaColumns, hash};

/// What one snapshot run needs to write its SQL.
struct Plan {
    rel: Relation,
    /// The unique key's columns, quoted.
    keys: Vec<String>,
    strategy: SnapshotStrategy,
    /// `updated_at` (quoted) for the timestamp strategy.
    updated_at: Option<String>,
    /// Cast `updated_at` to a timestamp (mozt's own projects); dbt uses the column as it is.
    cast_updated_at: bool,
    hard_deletes: HardDeletes,
    /// This run's time, as SQL: the check strategy's version time and a delete's.
    run_ts: String,
    cols: MetaColumns,
}

impl Plan {
    fn new(job: &Job<'_>) -> Plan {
        let rel = job.relation.clone();
        let config = job.node.settings.build();
        let dbt_layout = job.project.dbt.is_some();
        Plan {
            keys: config.unique_key.iter().map(|k| rel.quote_ident(k)).collect(),
            strategy: config.strategy.unwrap_or(SnapshotStrategy::Timestamp),
            updated_at: config.updated_at.as_deref().map(|c| rel.quote_ident(c)),
            cast_updated_at: !dbt_layout,
            hard_deletes: config.hard_deletes,
            run_ts: format!(
                "cast('{}' as timestamp)",
                chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.6f")
            ),
            cols: MetaColumns::new(config, dbt_layout, job.adapter.sql().folds_unquoted_names()),
            rel,
        }
    }

    /// A version's time for the query row `alias`: its `updated_at`, or the run's time.
    fn updated(&self, alias: &str) -> String {
        match (&self.updated_at, self.strategy) {
            (Some(col), SnapshotStrategy::Timestamp) if self.cast_updated_at => {
                format!("cast({alias}.{col} as timestamp)")
            }
            (Some(col), SnapshotStrategy::Timestamp) => format!("{alias}.{col}"),
            _ => self.run_ts.clone(),
        }
    }

    /// The version id of the row `alias` whose version time is `updated`.
    fn scd_id(&self, alias: &str, updated: &str) -> String {
        let mut parts: Vec<String> = self.keys.iter().map(|k| format!("{alias}.{k}")).collect();
        parts.push(updated.to_string());
        hash(&parts)
    }

    fn new_record(&self) -> bool {
        self.hard_deletes == HardDeletes::NewRecord
    }

    /// `a.k = b.k and ...` over the key columns.
    fn on(&self, a: &str, b: &str) -> String {
        self.keys
            .iter()
            .map(|k| format!("{a}.{k} = {b}.{k}"))
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

pub(crate) fn build(mut job: Job<'_>) -> Result<Outcome> {
    let plan = Plan::new(&job);
    let rel = plan.rel.clone();
    let stage = super::stage(&mut job, &rel)?;
    let result = if job.catalog.kind(&rel) != Some(RelationKind::Table) {
        first_run(&mut job, &plan, &stage)
    } else {
        later_run(&mut job, &plan, &stage)
    };
    super::discard(&mut job, &stage);
    result
}

fn first_run(job: &mut Job<'_>, plan: &Plan, stage: &Relation) -> Result<Outcome> {
    let (rel, cols) = (&plan.rel, &plan.cols);
    let updated = plan.updated("s");
    let deleted_flag = if plan.new_record() {
        format!(", 'False' as {}", cols.is_deleted)
    } else {
        String::new()
    };
    let tmp = swap::temp_relation(rel);
    swap::clear(job, &tmp)?;
    job.conn.execute(&format!(
        "create table {tmp} as\nselect s.*, {} as {}, {updated} as {}, {updated} as {},\n  {} as {}{deleted_flag}\nfrom {stage} as s",
        plan.scd_id("s", &updated),
        cols.scd_id,
        cols.updated_at,
        cols.valid_from,
        cols.open_valid_to(&updated),
        cols.valid_to,
    ))?;
    job.catalog.set(&tmp, Some(RelationKind::Table));
    swap::swap_in(job, &tmp, RelationKind::Table, rel)?;
    Ok(Outcome {
        message: format!("created snapshot {}", rel.short()),
        rows: None,
    })
}

fn later_run(job: &mut Job<'_>, plan: &Plan, stage: &Relation) -> Result<Outcome> {
    let rel = &plan.rel;
    let source_cols: Vec<String> = job
        .conn
        .columns(stage)?
        .into_iter()
        .map(|(c, _)| rel.quote_ident(&c))
        .collect();
    let (mut ddl, added) = new_columns(job, plan, stage)?;
    let changed = changed(job, plan, &source_cols, added);
    let first_key = plan.keys.first().cloned().unwrap_or_default();
    let changes = rel.with_identifier(format!("{}__mozt_changes", rel.identifier));
    ddl.push(format!("drop table if exists {changes}"));
    ddl.push(format!(
        "create table {changes} as\nselect s.*, {} as mozt_new_updated_at\nfrom {stage} as s\n\
         left join {rel} as mozt_cur on {} and {}\n\
         where mozt_cur.{first_key} is null or ({changed})",
        plan.updated("s"),
        plan.on("s", "mozt_cur"),
        plan.cols.is_current("mozt_cur"),
    ));
    let mut dml = new_versions(plan, &changes, &source_cols);
    dml.extend(deletes(plan, stage, &source_cols));
    let unit = atomic::Unit {
        ddl,
        dml,
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

/// The DDL adding the query's new columns to the snapshot table (and the is-deleted flag when
/// `new_record` is turned on for a table without it); whether the query has new columns.
fn new_columns(job: &mut Job<'_>, plan: &Plan, stage: &Relation) -> Result<(Vec<String>, bool)> {
    let rel = &plan.rel;
    let existing = job.conn.columns(rel)?;
    let has = |name: &str| existing.iter().any(|(e, _)| e.eq_ignore_ascii_case(name));
    let mut ddl = vec![];
    for (c, ty) in job.conn.columns(stage)? {
        if !has(&c) {
            ddl.push(format!("alter table {rel} add column {} {ty}", rel.quote_ident(&c)));
        }
    }
    let added = !ddl.is_empty();
    if plan.new_record() && !has(&plan.cols.is_deleted) {
        ddl.push(format!("alter table {rel} add column {} varchar", plan.cols.is_deleted));
    }
    Ok((ddl, added))
}

/// When the query row `s` is a new version of the current one, `mozt_cur`. Timestamp: its
/// `updated_at` is later than the current version's start. Check: one of `check_cols` (all
/// columns but the key when not a list) differs, or, with `check_cols: all`, the query has
/// new columns. With `new_record`, a row that was deleted and is back.
fn changed(job: &Job<'_>, plan: &Plan, source_cols: &[String], added: bool) -> String {
    let cond = match plan.strategy {
        SnapshotStrategy::Timestamp => format!("mozt_cur.{} < {}", plan.cols.valid_from, plan.updated("s")),
        SnapshotStrategy::Check => {
            let listed = job.node.settings.build().check_cols.as_ref();
            let cols: Vec<String> = match listed {
                Some(listed) => listed.iter().map(|c| plan.rel.quote_ident(c)).collect(),
                None if added => return "true".to_string(),
                None => source_cols
                    .iter()
                    .filter(|c| !plan.keys.iter().any(|k| k.eq_ignore_ascii_case(c)))
                    .cloned()
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
    };
    if plan.new_record() {
        format!("{cond} or {}", plan.cols.is_deleted("mozt_cur"))
    } else {
        cond
    }
}

/// Close the current version of every changed row and insert its new one.
fn new_versions(plan: &Plan, changes: &Relation, source_cols: &[String]) -> Vec<String> {
    let (rel, cols) = (&plan.rel, &plan.cols);
    let updated = "mozt_chg.mozt_new_updated_at";
    let close = format!(
        "update {rel} as mozt_cur set {} = {updated}\nfrom {changes} as mozt_chg\nwhere {} and {}",
        cols.valid_to,
        plan.on("mozt_chg", "mozt_cur"),
        cols.is_current("mozt_cur"),
    );
    let (flag_col, flag) = if plan.new_record() {
        (format!(", {}", cols.is_deleted), ", 'False'")
    } else {
        (String::new(), "")
    };
    let chg_cols: Vec<String> = source_cols.iter().map(|c| format!("mozt_chg.{c}")).collect();
    let insert = format!(
        "insert into {rel} ({}, {}{flag_col})\nselect {}, {}, {updated}, {updated}, {}{flag}\nfrom {changes} as mozt_chg",
        source_cols.join(", "),
        cols.list(),
        chg_cols.join(", "),
        plan.scd_id("mozt_chg", updated),
        cols.open_valid_to(updated),
    );
    vec![close, insert]
}

/// Rows gone from the query: with `invalidate` their current version is closed; with
/// `new_record` a version marked deleted is inserted first (once: not again while the row
/// stays deleted).
fn deletes(plan: &Plan, stage: &Relation, source_cols: &[String]) -> Vec<String> {
    let (rel, cols, run_ts) = (&plan.rel, &plan.cols, &plan.run_ts);
    let mut gone = format!(
        "{} and not exists (select 1 from {stage} as s where {})",
        cols.is_current("mozt_cur"),
        plan.on("s", "mozt_cur")
    );
    let mut stmts = vec![];
    match plan.hard_deletes {
        HardDeletes::Ignore => return stmts,
        HardDeletes::Invalidate => {}
        HardDeletes::NewRecord => {
            gone = format!("{gone} and not coalesce({}, false)", cols.is_deleted("mozt_cur"));
            let cur_cols: Vec<String> = source_cols.iter().map(|c| format!("mozt_cur.{c}")).collect();
            stmts.push(format!(
                "insert into {rel} ({}, {}, {})\nselect {}, {}, {run_ts}, {run_ts}, mozt_cur.{}, 'True'\n\
                 from {rel} as mozt_cur\nwhere {gone}",
                source_cols.join(", "),
                cols.list(),
                cols.is_deleted,
                cur_cols.join(", "),
                hash(&[format!("mozt_cur.{}", cols.scd_id), run_ts.clone()]),
                cols.valid_to,
            ));
        }
    }
    stmts.push(format!(
        "update {rel} as mozt_cur set {} = {run_ts}\nwhere {gone}",
        cols.valid_to
    ));
    stmts
}
