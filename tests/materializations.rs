//! Incremental, ephemeral and snapshot materializations, and hooks, on real DuckDB.

mod common;

use common::TestProject;

const EVENTS_V1: &str = "id,v,updated_at\n1,a,2024-01-01 00:00:00\n2,b,2024-01-02 00:00:00\n3,c,2024-01-03 00:00:00\n";
/// Second delivery: 2 updated, 4 new, 5 late (older than the newest row but inside the
/// lookback window), 4 delivered twice.
const EVENTS_V2: &str = "id,v,updated_at\n1,a,2024-01-01 00:00:00\n2,B,2024-01-04 00:00:00\n3,c,2024-01-03 00:00:00\n\
4,d,2024-01-05 00:00:00\n4,d,2024-01-05 00:00:00\n5,e,2024-01-02 12:00:00\n";

fn incremental_model(strategy: &str) -> String {
    let strategy = if strategy.is_empty() {
        String::new()
    } else {
        format!(", incremental_strategy='{strategy}'")
    };
    format!(
        "{{{{ config(materialized='incremental', unique_key='id'{strategy}) }}}}\n\
         select id, v, updated_at from {{{{ ref('events') }}}}\n\
         {{% if is_incremental() %}}\n\
         where updated_at >= (select max(updated_at) - interval 2 day from {{{{ this }}}})\n\
         {{% endif %}}\n\
         qualify row_number() over (partition by id order by updated_at desc) = 1\n"
    )
}

fn table_rows(p: &TestProject, rel: &str) -> Vec<Vec<String>> {
    p.query(&format!(
        "select id, v, cast(updated_at as varchar) from {rel} order by all"
    ))
}

/// Run, change the source, run again, and compare with a full refresh of the same data.
fn incremental_equals_full_refresh(strategy: &str) {
    let p = TestProject::new("inc");
    p.write("seeds/events.csv", EVENTS_V1)
        .write("models/inc.sql", &incremental_model(strategy));
    p.ok(&["build"]);
    assert_eq!(p.scalar("select count(*) from analytics.inc"), "3");
    p.write("seeds/events.csv", EVENTS_V2);
    let out = p.ok(&["build"]);
    assert!(
        out.stdout.contains("new rows to analytics.inc"),
        "second run was not incremental:\n{}",
        out.stdout
    );
    let incremental = table_rows(&p, "analytics.inc");
    p.ok(&["run", "--full-refresh"]);
    let full = table_rows(&p, "analytics.inc");
    assert_eq!(
        incremental, full,
        "strategy {strategy:?}: incremental result differs from a full refresh"
    );
    assert_eq!(full.len(), 5);
    assert!(full.contains(&vec!["2".into(), "B".into(), "2024-01-04 00:00:00".into()]));
}

#[test]
fn merge_matches_full_refresh() {
    incremental_equals_full_refresh("merge");
}

#[test]
fn delete_insert_matches_full_refresh() {
    incremental_equals_full_refresh("delete+insert");
}

#[test]
fn default_strategy_with_unique_key_matches_full_refresh() {
    incremental_equals_full_refresh("");
}

#[test]
fn append_adds_only_new_rows() {
    let p = TestProject::new("inc");
    p.write("seeds/events.csv", EVENTS_V1).write(
        "models/inc.sql",
        "{{ config(materialized='incremental') }}\nselect id, v, updated_at from {{ ref('events') }}\n\
         {% if is_incremental() %}where updated_at > (select max(updated_at) from {{ this }}){% endif %}\n",
    );
    p.ok(&["build"]);
    p.write("seeds/events.csv", &format!("{EVENTS_V1}4,d,2024-01-05 00:00:00\n"));
    let out = p.ok(&["build"]);
    assert!(out.stdout.contains("(append)"), "{}", out.stdout);
    let incremental = table_rows(&p, "analytics.inc");
    p.ok(&["run", "--full-refresh"]);
    assert_eq!(incremental, table_rows(&p, "analytics.inc"));
    assert_eq!(incremental.len(), 4);
}

#[test]
fn merge_update_columns_keeps_other_columns() {
    let p = TestProject::new("inc");
    p.write("seeds/src.csv", "id,a,b\n1,x,y\n").write(
        "models/m.sql",
        "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge', merge_update_columns=['a']) }}\n\
         select id, a, b from {{ ref('src') }}\n",
    );
    p.ok(&["build"]);
    p.write("seeds/src.csv", "id,a,b\n1,X,Y\n2,n,m\n");
    p.ok(&["build"]);
    assert_eq!(
        p.query("select id, a, b from analytics.m order by id"),
        vec![vec!["1", "X", "y"], vec!["2", "n", "m"]]
    );
}

#[test]
fn on_schema_change_modes() {
    let model = |mode: &str, cols: &str| {
        format!(
            "{{{{ config(materialized='incremental', unique_key='id', on_schema_change='{mode}') }}}}\n\
             select {cols} from {{{{ ref('src') }}}}\n"
        )
    };
    // append_new_columns: the new column appears, earlier rows hold NULL there.
    let p = TestProject::new("osc");
    p.write("seeds/src.csv", "id,a,b\n1,x,y\n")
        .write("models/m.sql", &model("append_new_columns", "id, a"));
    p.ok(&["build"]);
    p.write("seeds/src.csv", "id,a,b\n1,x,y\n2,p,q\n")
        .write("models/m.sql", &model("append_new_columns", "id, a, b"));
    p.ok(&["build"]);
    assert_eq!(
        p.query("select id, a, coalesce(b, 'NULL') from analytics.m order by id"),
        vec![vec!["1", "x", "y"], vec!["2", "p", "q"]]
    );

    // sync_all_columns: a column gone from the model is dropped.
    p.write("models/m.sql", &model("sync_all_columns", "id, b"));
    p.ok(&["build"]);
    let cols = p.query(
        "select column_name from information_schema.columns where table_schema = 'analytics' and table_name = 'm' order by ordinal_position",
    );
    assert_eq!(cols, vec![vec!["id"], vec!["b"]]);

    // ignore: a new column is not added.
    p.write("models/m.sql", &model("ignore", "id, b, a"));
    p.ok(&["build"]);
    assert_eq!(
        p.scalar("select count(*) from information_schema.columns where table_name = 'm'"),
        "2"
    );

    // fail: the run fails and the table is left as it was.
    let before = p.query("select * from analytics.m order by all");
    p.write("seeds/src.csv", "id,a,b\n1,x,y\n2,p,q\n3,r,s\n")
        .write("models/m.sql", &model("fail", "id, b, a"));
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(out.stdout.contains("on_schema_change is 'fail'"), "{}", out.stdout);
    assert_eq!(p.query("select * from analytics.m order by all"), before);
}

#[test]
fn failed_incremental_run_leaves_the_table_as_it_was() {
    let p = TestProject::new("inc");
    p.write("seeds/src.csv", "id,v\n1,10\n2,20\n").write(
        "models/inc.sql",
        "{{ config(materialized='incremental', unique_key='id', incremental_strategy='delete+insert') }}\n\
         select id, v from {{ ref('src') }}\n",
    );
    p.ok(&["build"]);
    let before = p.query("select id, v from analytics.inc order by id");
    // The batch fails half-way through being applied: the DELETE of id 2 succeeds, then the
    // INSERT cannot fit 'abc' into the integer column. Nothing of the batch may remain.
    p.write("seeds/src.csv", "id,v\n2,abc\n3,30\n");
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(out.stdout.contains("ERROR"), "{}", out.stdout);
    assert_eq!(p.query("select id, v from analytics.inc order by id"), before);
    // A batch that fails while being staged (a bad cast at run time) changes nothing either.
    p.write(
        "models/inc.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\nselect id, v from {{ ref('src') }} where cast(v as integer) > 0\n",
    );
    p.mozt(&["run"]).assert_code(1);
    assert_eq!(p.query("select id, v from analytics.inc order by id"), before);
    let leftovers = p.scalar("select count(*) from information_schema.tables where table_name like '%mozt%'");
    assert_eq!(leftovers, "0", "a temporary relation was left behind");
}

#[test]
fn ephemeral_chain_becomes_ctes() {
    let p = TestProject::new("eph");
    p.write("seeds/raw.csv", "id,v\n1,10\n2,20\n3,30\n")
        .write("models/e1.sql", "{{ config(materialized='ephemeral') }}\nselect id, v from {{ ref('raw') }} where v > 10\n")
        .write(
            "models/e2.sql",
            "{{ config(materialized='ephemeral') }}\nwith doubled as (select id, v * 2 as v from {{ ref('e1') }})\nselect * from doubled\n",
        )
        .write("models/final.sql", "with x as (select * from {{ ref('e2') }}) select sum(x.v) as total from x join {{ ref('e1') }} using (id)\n");
    let out = p.ok(&["build"]);
    assert!(
        !out.stdout.contains("e1"),
        "ephemeral models are not built:\n{}",
        out.stdout
    );
    assert_eq!(p.scalar("select total from analytics.final"), "100");
    let compiled = p.read("target/compiled/eph/models/final.sql");
    assert_eq!(compiled.matches("__mozt__cte__e1 as (").count(), 1, "{compiled}");
    assert!(
        compiled.find("__mozt__cte__e1 as (") < compiled.find("__mozt__cte__e2 as ("),
        "dependencies come first:\n{compiled}"
    );
    assert!(compiled.starts_with("with __mozt__cte__e1 as ("), "{compiled}");
    assert_eq!(
        p.scalar("select count(*) from information_schema.tables where table_name in ('e1', 'e2')"),
        "0"
    );
}

#[test]
fn snapshot_history_over_three_runs() {
    let p = TestProject::new("snap");
    p.write("seeds/src.csv", "id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,b,2024-01-01 00:00:00\n3,c,2024-01-01 00:00:00\n")
        .write(
            "snapshots/s.sql",
            "{% snapshot names_snap %}\n\
             {{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at', invalidate_hard_deletes=true) }}\n\
             select * from {{ ref('src') }}\n{% endsnapshot %}\n\
             {% snapshot names_check %}\n\
             {{ config(unique_key='id', strategy='check', check_cols=['name']) }}\n\
             select id, name from {{ ref('src') }}\n{% endsnapshot %}\n",
        );
    p.ok(&["build"]);
    // Both snapshots compile to the same file; the last one writes it, once.
    let compiled = p.read("target/compiled/snap/snapshots/s.sql");
    assert!(compiled.contains("select id, name from"), "{compiled}");
    // Run 2: 2 renamed, 3 deleted, 4 new.
    p.write(
        "seeds/src.csv",
        "id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,B,2024-01-02 00:00:00\n4,d,2024-01-02 00:00:00\n",
    );
    p.ok(&["build"]);
    // Run 3: 2 renamed again, 3 back, 1 unchanged.
    p.write(
        "seeds/src.csv",
        "id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,BB,2024-01-03 00:00:00\n3,c,2024-01-05 00:00:00\n4,d,2024-01-02 00:00:00\n",
    );
    p.ok(&["seed"]);
    p.ok(&["snapshot"]);
    let history = p.query(
        "select id, name, cast(mozt_valid_from as varchar), coalesce(cast(mozt_valid_to as varchar), 'current') \
         from snapshots.names_snap order by id, mozt_valid_from",
    );
    let h: Vec<Vec<&str>> = history.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    assert_eq!(h[0], vec!["1", "a", "2024-01-01 00:00:00", "current"]);
    assert_eq!(h[1], vec!["2", "b", "2024-01-01 00:00:00", "2024-01-02 00:00:00"]);
    assert_eq!(h[2], vec!["2", "B", "2024-01-02 00:00:00", "2024-01-03 00:00:00"]);
    assert_eq!(h[3], vec!["2", "BB", "2024-01-03 00:00:00", "current"]);
    assert_eq!(&h[4][..3], &["3", "c", "2024-01-01 00:00:00"]);
    assert_ne!(h[4][3], "current", "the hard delete closed id 3");
    assert_eq!(h[5], vec!["3", "c", "2024-01-05 00:00:00", "current"]);
    assert_eq!(h[6], vec!["4", "d", "2024-01-02 00:00:00", "current"]);
    assert_eq!(h.len(), 7);
    // The check strategy without hard deletes keeps id 3 current and versions id 2 three times.
    let check = p.query("select id, count(*), count(mozt_valid_to) from analytics.names_check group by id order by id");
    assert_eq!(
        check,
        vec![
            vec!["1", "1", "0"],
            vec!["2", "3", "2"],
            vec!["3", "1", "0"],
            vec!["4", "1", "0"]
        ]
    );
    // Every version has its own id.
    assert_eq!(
        p.scalar("select count(distinct mozt_scd_id) = count(*) from snapshots.names_snap"),
        "true"
    );
}

#[test]
fn snapshot_without_unique_key_is_a_project_error() {
    let p = TestProject::new("snap");
    p.write(
        "snapshots/s.sql",
        "{% snapshot s %}\n{{ config(strategy='timestamp', updated_at='u') }}\nselect 1 as id, now() as u\n{% endsnapshot %}\n",
    );
    let out = p.mozt(&["parse"]);
    out.assert_project_error();
    assert!(out.stderr.contains("snapshot s needs a unique_key"), "{}", out.stderr);
    assert!(out.stderr.contains("snapshots/s.sql"), "{}", out.stderr);
}

#[test]
fn pre_and_post_hooks_run_around_the_model() {
    let p = TestProject::new("hooks");
    p.write(
        "project.yml",
        &common::project_yml("hooks", "models:\n  hooks:\n    +pre-hook: \"create table if not exists analytics.audit (what varchar)\""),
    )
    .write(
        "models/m.sql",
        "{{ config(materialized='table', post_hook=\"insert into analytics.audit select 'built ' || count(*) from {{ this }}\") }}\nselect 1 as id union all select 2\n",
    );
    p.ok(&["run"]);
    assert_eq!(p.query("select what from analytics.audit"), vec![vec!["built 2"]]);
}

/// Hooks that look at the warehouse are rendered when they run, with `execute` true, as dbt
/// renders them: a post-hook sees the relation just built, and a seed's post-hook can drop it
/// (dbt_utils' integration tests do). Rendered before the run, they saw no connection.
#[test]
fn hooks_that_look_at_the_warehouse_are_rendered_when_they_run() {
    let p = TestProject::new("hooks");
    p.write("project.yml", &common::project_yml("hooks", ""))
        .write(
            "models/m.sql",
            "{{ config(materialized='table', post_hook=\"{% set n = run_query('select count(*) from ' ~ this).columns[0].values()[0] if execute else -1 %}create table analytics.audit as select {{ n }} as n\") }}\nselect 1 as id union all select 2 union all select 3\n",
        )
        .write("seeds/dropped.csv", "id\n1\n")
        .write(
            "seeds/schema.yml",
            "version: 2\nseeds:\n  - name: dropped\n    config:\n      post_hook: \"{% do adapter.drop_relation(this) %}\"\n",
        );
    p.ok(&["build"]);
    assert_eq!(p.scalar("select n from analytics.audit"), "3");
    assert_eq!(p.relation_type("analytics", "dropped"), None);
}
