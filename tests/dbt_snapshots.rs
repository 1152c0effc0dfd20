//! Snapshot tables dbt built, continued by `mozt snapshot` in a project in dbt's layout: dbt's
//! column names (`dbt_scd_id`, `dbt_updated_at`, `dbt_valid_from`, `dbt_valid_to`,
//! `dbt_is_deleted`), `snapshot_meta_column_names`, both strategies and both kinds of hard
//! deletes. The tables are written in the test the way dbt's snapshot materialization leaves
//! them (dbt-adapters' build_snapshot_table: `select *, md5(key|updated_at) as dbt_scd_id,
//! updated_at as dbt_updated_at, updated_at as dbt_valid_from, null as dbt_valid_to`), and
//! each later run must add exactly the rows dbt's staging table and merge would.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

const SNAPSHOTS: &str = "{% snapshot customers_ts %}\n\
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at', hard_deletes='new_record') }}\n\
select * from {{ ref('customers') }}\n{% endsnapshot %}\n\
{% snapshot customers_check %}\n\
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['name'], hard_deletes='invalidate',\n\
   snapshot_meta_column_names={'dbt_scd_id': 'version_id', 'dbt_updated_at': 'version_at', 'dbt_valid_from': 'valid_from', 'dbt_valid_to': 'valid_to'}) }}\n\
select id, name from {{ ref('customers') }}\n{% endsnapshot %}\n";

fn execute(p: &TestProject, sql: &str) {
    let conn = duckdb::Connection::open(p.db_path()).unwrap();
    conn.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A dbt project whose two snapshot tables dbt built: `customers_ts` from the seed's rows (with
/// an older closed version of id 2), `customers_check` at 2024-01-01 12:00 (check's time).
fn project_with_dbt_tables() -> TestProject {
    let p = TestProject::dbt("");
    p.write(
        "seeds/customers.csv",
        "id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,b,2024-01-01 00:00:00\n3,c,2024-01-01 00:00:00\n",
    )
    .write("snapshots/customers.sql", SNAPSHOTS);
    p.ok(&["seed"]);
    execute(
        &p,
        "create schema snapshots;
         create table snapshots.customers_ts as
         select *, md5(coalesce(cast(id as varchar), '') || '|' || coalesce(cast(updated_at as varchar), '')) as dbt_scd_id,
           updated_at as dbt_updated_at, updated_at as dbt_valid_from,
           coalesce(nullif(updated_at, updated_at), null) as dbt_valid_to, 'False' as dbt_is_deleted
         from (select * from analytics.customers) as sbq;
         insert into snapshots.customers_ts values (2, 'b0', timestamp '2023-12-01', md5('2|2023-12-01 00:00:00'),
           timestamp '2023-12-01', timestamp '2023-12-01', timestamp '2024-01-01', 'False');
         create table snapshots.customers_check as
         select *, md5(coalesce(cast(id as varchar), '') || '|' || coalesce(cast(timestamp '2024-01-01 12:00:00' as varchar), '')) as version_id,
           timestamp '2024-01-01 12:00:00' as version_at, timestamp '2024-01-01 12:00:00' as valid_from,
           cast(null as timestamp) as valid_to
         from (select id, name from analytics.customers) as sbq;",
    );
    p
}

/// A time as `mm-dd`, `run` for this run's time (after 2024), `-` for null.
fn day(col: &str) -> String {
    format!("case when {col} is null then '-' when year({col}) > 2024 then 'run' else strftime({col}, '%m-%d') end")
}

fn rows(p: &TestProject, sql: &str) -> Vec<String> {
    p.query(sql).into_iter().map(|r| r.join(" ")).collect()
}

/// A table's columns, in order.
fn columns_of(p: &TestProject, table: &str) -> Vec<String> {
    rows(
        p,
        &format!(
            "select column_name from information_schema.columns where table_name = '{table}' order by ordinal_position"
        ),
    )
}

/// The columns of customers_ts as dbt leaves them: the query's, then dbt's own.
const DBT_TS_COLUMNS: [&str; 8] = [
    "id",
    "name",
    "updated_at",
    "dbt_scd_id",
    "dbt_updated_at",
    "dbt_valid_from",
    "dbt_valid_to",
    "dbt_is_deleted",
];

/// customers_ts's history: id, name, valid from, valid to ('-' when current), deleted flag.
fn ts_history(p: &TestProject) -> Vec<String> {
    rows(
        p,
        &format!(
            "select id, name, {}, {}, dbt_is_deleted from snapshots.customers_ts order by id, dbt_valid_from",
            day("dbt_valid_from"),
            day("dbt_valid_to")
        ),
    )
}

#[test]
fn continues_a_timestamp_snapshot_dbt_built_with_new_record_deletes() {
    let p = project_with_dbt_tables();
    // 2 renamed, 3 deleted, 4 new.
    p.write(
        "seeds/customers.csv",
        "id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,B,2024-01-02 00:00:00\n4,d,2024-01-02 00:00:00\n",
    );
    p.ok(&["seed"]);
    p.ok(&["snapshot"]);
    assert_eq!(
        ts_history(&p),
        vec![
            "1 a 01-01 - False".to_string(),
            "2 b0 12-01 01-01 False".into(),
            "2 b 01-01 01-02 False".into(),
            "2 B 01-02 - False".into(),
            "3 c 01-01 run False".to_string(),
            "3 c run - True".into(),
            "4 d 01-02 - False".into(),
        ]
    );
    // dbt's columns only, in dbt's order; no mozt_ column.
    assert_eq!(columns_of(&p, "customers_ts"), DBT_TS_COLUMNS);
    // dbt's ids: md5(key|updated_at) for a version, md5(previous id|delete time) for a deletion;
    // the closed version ends when the deletion record starts.
    assert_eq!(
        p.scalar(
            "select count(*) from snapshots.customers_ts where dbt_is_deleted = 'False' \
             and dbt_scd_id = md5(cast(id as varchar) || '|' || cast(updated_at as varchar)) \
             and dbt_updated_at = updated_at and dbt_valid_from = updated_at"
        ),
        "6"
    );
    assert_eq!(
        p.scalar(
            "select count(*) from snapshots.customers_ts d join snapshots.customers_ts v \
             on d.id = v.id and v.dbt_valid_to = d.dbt_valid_from and v.dbt_is_deleted = 'False' \
             where d.dbt_is_deleted = 'True' and d.dbt_scd_id = md5(v.dbt_scd_id || '|' || cast(d.dbt_valid_from as varchar)) \
             and d.dbt_updated_at = d.dbt_valid_from"
        ),
        "1"
    );

    // Nothing changed: nothing added (the deletion is recorded once).
    p.ok(&["snapshot"]);
    assert_eq!(p.scalar("select count(*) from snapshots.customers_ts"), "7");

    // 3 is back: its deletion record is closed at its new time and a new version starts.
    p.write(
        "seeds/customers.csv",
        "id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,B,2024-01-02 00:00:00\n3,c2,2024-01-05 00:00:00\n4,d,2024-01-02 00:00:00\n",
    );
    p.ok(&["seed"]);
    p.ok(&["snapshot"]);
    let h = ts_history(&p);
    assert_eq!(h.len(), 8, "{h:?}");
    assert_eq!(
        &h[4..7],
        &["3 c 01-01 run False", "3 c2 01-05 - False", "3 c run 01-05 True"]
    );
}

#[test]
fn continues_a_check_snapshot_with_renamed_columns_and_invalidated_deletes() {
    let p = project_with_dbt_tables();
    p.write(
        "seeds/customers.csv",
        "id,name,updated_at\n1,a,2024-03-01 00:00:00\n2,B,2024-01-02 00:00:00\n4,d,2024-01-02 00:00:00\n",
    );
    p.ok(&["seed"]);
    p.ok(&["snapshot", "-s", "customers_check"]);
    let history = rows(
        &p,
        &format!(
            "select id, name, {}, {}, version_id = md5(cast(id as varchar) || '|' || cast(version_at as varchar)), \
             version_at = valid_from from snapshots.customers_check order by id, valid_from",
            day("valid_from"),
            day("valid_to")
        ),
    );
    assert_eq!(
        history,
        vec![
            // 1's name did not change (updated_at is not a check column): one version.
            "1 a 01-01 - true true",
            "2 b 01-01 run true true",
            "2 B run - true true",
            // Invalidated: closed at the run's time, no new version.
            "3 c 01-01 run true true",
            "4 d run - true true",
        ]
    );
    // The closed version of 2 ends where the new one starts.
    assert_eq!(
        p.scalar(
            "select count(*) from snapshots.customers_check o join snapshots.customers_check n \
             on o.id = n.id and o.valid_to = n.valid_from where o.id = 2"
        ),
        "1"
    );
    assert_eq!(
        columns_of(&p, "customers_check"),
        vec!["id", "name", "version_id", "version_at", "valid_from", "valid_to"]
    );
}

#[test]
fn a_new_dbt_project_snapshot_gets_dbts_columns() {
    let p = TestProject::dbt("");
    p.write("seeds/customers.csv", "id,name,updated_at\n1,a,2024-01-01 00:00:00\n")
        .write("snapshots/customers.sql", SNAPSHOTS);
    p.ok(&["build"]);
    assert_eq!(columns_of(&p, "customers_ts"), DBT_TS_COLUMNS);
    assert_eq!(
        rows(
            &p,
            "select id, dbt_is_deleted, dbt_valid_to is null, dbt_scd_id = md5('1|2024-01-01 00:00:00') from snapshots.customers_ts"
        ),
        vec!["1 False true true"]
    );
}
