//! Incremental models, snapshots and the Braze sync on the Snowflake emulator (over
//! Snowflake's HTTP protocol). Needs `scripts/fakesnow.sh start` and MOZT_FAKESNOW_URL (as
//! .ci/run does); fails loudly without it.

mod common;

use common::TestProject;
use serde_json::Value;

fn project(name: &str) -> TestProject {
    common::emulator_project(name)
}

fn rows(p: &TestProject, sql: &str) -> Vec<Value> {
    common::show_rows(p, sql)
}

/// Run, change the source (an update, a late row, a duplicate delivery, a new row), run again,
/// and compare with a full refresh of the same data.
fn strategy_matches_full_refresh(strategy: &str, expect: &str) {
    let p = project(&format!("mozt_inc_{}", strategy.replace('+', "_")));
    let config = if strategy.is_empty() {
        "materialized='incremental', unique_key='id'".to_string()
    } else {
        format!("materialized='incremental', unique_key='id', incremental_strategy='{strategy}'")
    };
    p.write("seeds/events.csv", "id,v,updated_at\n1,a,2024-01-01 00:00:00\n2,b,2024-01-02 00:00:00\n")
        .write(
            "models/inc.sql",
            &format!(
                "{{{{ config({config}) }}}}\n\
                 select id, v, updated_at from {{{{ ref('events') }}}}\n\
                 {{% if is_incremental() %}}where updated_at >= (select max(updated_at) from {{{{ this }}}}){{% endif %}}\n\
                 qualify row_number() over (partition by id order by updated_at desc) = 1\n"
            ),
        );
    p.ok(&["build"]);
    p.write(
        "seeds/events.csv",
        "id,v,updated_at\n1,a,2024-01-01 00:00:00\n2,B,2024-01-03 00:00:00\n3,c,2024-01-04 00:00:00\n3,c,2024-01-04 00:00:00\n",
    );
    let out = p.ok(&["build"]);
    assert!(
        out.stdout.contains(&format!("({expect})")),
        "expected strategy {expect}:\n{}",
        out.stdout
    );
    let query = "select id, v from {{ ref('inc') }} order by id, v";
    let incremental = rows(&p, query);
    p.ok(&["run", "--full-refresh"]);
    assert_eq!(
        incremental,
        rows(&p, query),
        "strategy {expect}: incremental differs from a full refresh"
    );
    assert_eq!(incremental.len(), 3);
}

#[test]
fn incremental_default_is_merge_and_matches_full_refresh_on_snowflake() {
    strategy_matches_full_refresh("", "merge");
}

#[test]
fn incremental_delete_insert_matches_full_refresh_on_snowflake() {
    strategy_matches_full_refresh("delete+insert", "delete+insert");
}

#[test]
fn incremental_append_on_snowflake() {
    let p = project("mozt_inc_append");
    p.write("seeds/events.csv", "id,v\n1,a\n2,b\n").write(
        "models/inc.sql",
        "{{ config(materialized='incremental', on_schema_change='append_new_columns') }}\n\
         select id, v from {{ ref('events') }}\n\
         {% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n",
    );
    p.ok(&["build"]);
    p.write("seeds/events.csv", "id,v\n1,a\n2,b\n3,c\n");
    let out = p.ok(&["build"]);
    assert!(out.stdout.contains("(append)"), "{}", out.stdout);
    assert_eq!(rows(&p, "select id from {{ ref('inc') }} order by id").len(), 3);
}

#[test]
fn snapshot_and_braze_sync_on_snowflake() {
    let p = project("mozt_snap_sf");
    p.write("seeds/users.csv", "external_id,tier,updated_at\nu1,active,2024-01-01 00:00:00\nu2,dormant,2024-01-01 00:00:00\n")
        .write(
            "snapshots/s.sql",
            "{% snapshot users_snap %}\n{{ config(unique_key='external_id', strategy='timestamp', updated_at='updated_at', invalidate_hard_deletes=true) }}\n\
             select * from {{ ref('users') }}\n{% endsnapshot %}\n",
        )
        .write(
            "models/sync.sql",
            "{{ config(materialized='braze_user_sync') }}\nselect external_id, tier from {{ ref('users') }}\n",
        );
    p.ok(&["build"]);
    p.write(
        "seeds/users.csv",
        "external_id,tier,updated_at\nu1,lapsing,2024-01-05 00:00:00\nu2,dormant,2024-01-01 00:00:00\n",
    );
    p.ok(&["build"]);
    // Run 3: u2 is gone from the source (a hard delete closes its history; nothing to send).
    p.write(
        "seeds/users.csv",
        "external_id,tier,updated_at\nu1,lapsing,2024-01-05 00:00:00\n",
    );
    p.ok(&["build"]);
    let history = rows(
        &p,
        "select external_id, tier, mozt_valid_to is null as is_current from analytics.users_snap order by external_id, mozt_valid_from",
    );
    let flat: Vec<String> = history
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["EXTERNAL_ID"].as_str().or(r["external_id"].as_str()).unwrap_or("?"),
                r["TIER"].as_str().or(r["tier"].as_str()).unwrap_or("?"),
                r["IS_CURRENT"].as_bool().or(r["is_current"].as_bool()).unwrap_or(false)
            )
        })
        .collect();
    assert_eq!(flat, vec!["u1 active false", "u1 lapsing true", "u2 dormant false"]);
    let sync = rows(
        &p,
        "select EXTERNAL_ID, PAYLOAD from analytics.sync order by UPDATED_AT, EXTERNAL_ID",
    );
    let payloads: Vec<(String, Value)> = sync
        .iter()
        .map(|r| {
            let id = r["EXTERNAL_ID"].as_str().unwrap_or("?").to_string();
            let payload: Value = serde_json::from_str(r["PAYLOAD"].as_str().unwrap_or("")).expect("PAYLOAD is JSON");
            (id, payload)
        })
        .collect();
    assert_eq!(
        payloads,
        vec![
            ("u1".to_string(), serde_json::json!({"tier": "active"})),
            ("u2".to_string(), serde_json::json!({"tier": "dormant"})),
            ("u1".to_string(), serde_json::json!({"tier": "lapsing"})),
        ]
    );
}

#[test]
fn schema_change_modes_on_snowflake() {
    let p = project("mozt_osc_sf");
    let model = |mode: &str, cols: &str| {
        format!(
            "{{{{ config(materialized='incremental', unique_key='id', on_schema_change='{mode}') }}}}\n\
             select {cols} from {{{{ ref('src') }}}}\n"
        )
    };
    p.write("seeds/src.csv", "id,a,b\n1,x,y\n")
        .write("models/m.sql", &model("append_new_columns", "id, a"));
    p.ok(&["build"]);
    p.write("seeds/src.csv", "id,a,b\n1,x,y\n2,p,q\n")
        .write("models/m.sql", &model("append_new_columns", "id, a, b"));
    p.ok(&["build"]);
    let got = rows(
        &p,
        "select id, a, coalesce(b, 'NULL') as b from {{ ref('m') }} order by id",
    );
    assert_eq!(got.len(), 2);
    // The new column was added; the merge rewrote row 1 with it too.
    assert_eq!(got[0]["B"].as_str().or(got[0]["b"].as_str()), Some("y"), "{got:?}");
    assert_eq!(got[1]["B"].as_str().or(got[1]["b"].as_str()), Some("q"), "{got:?}");

    // fail: the run fails and the table keeps its rows.
    p.write("seeds/src.csv", "id,a,b\n1,x,y\n2,p,q\n3,r,s\n")
        .write("models/m.sql", &model("fail", "id, b"));
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(out.stdout.contains("on_schema_change is 'fail'"), "{}", out.stdout);
    assert_eq!(rows(&p, "select id from {{ ref('m') }}").len(), 2);
}

#[test]
fn ephemeral_chain_on_snowflake() {
    let p = project("mozt_eph_sf");
    p.write("seeds/raw.csv", "id,v\n1,10\n2,20\n3,30\n")
        .write(
            "models/e1.sql",
            "{{ config(materialized='ephemeral') }}\nselect id, v from {{ ref('raw') }} where v > 10\n",
        )
        .write(
            "models/e2.sql",
            "{{ config(materialized='ephemeral') }}\nselect id, v * 2 as v from {{ ref('e1') }}\n",
        )
        .write(
            "models/final.sql",
            "{{ config(materialized='table') }}\nselect sum(v) as total from {{ ref('e2') }}\n",
        );
    p.ok(&["build"]);
    let got = rows(&p, "select total from {{ ref('final') }}");
    let total = &got[0];
    let value = total.get("TOTAL").or(total.get("total")).cloned().unwrap_or_default();
    assert_eq!(value.as_f64(), Some(100.0), "{got:?}");
}

/// `--defer --state` on Snowflake: a CI run in schema ci builds the modified model and its
/// descendants, and reads the unmodified parent from production's schema (analytics).
#[test]
fn defer_reads_production_for_unselected_parents_on_snowflake() {
    let p = project("mozt_defer_sf");
    let yml = p.read("project.yml");
    let sf = &yml[yml.find("  sf:\n").expect("the sf target")..];
    let ci = sf
        .replacen("  sf:\n", "  ci:\n", 1)
        .replace("schema: analytics", "schema: ci");
    p.write("project.yml", &format!("{yml}{ci}"));
    p.write(
        "models/a.sql",
        "{{ config(materialized='table') }}\nselect 1 as id union all select 2 as id\n",
    )
    .write("models/b.sql", "select id * 10 as x from {{ ref('a') }}\n")
    .write(
        "models/c.sql",
        "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('b') }}\n",
    );
    p.ok(&["build"]);
    std::fs::create_dir_all(p.path().join("prod-artifacts")).expect("mkdir");
    std::fs::copy(
        p.path().join("target/manifest.json"),
        p.path().join("prod-artifacts/manifest.json"),
    )
    .expect("copy the manifest");

    p.write("models/b.sql", "select id * 100 as x from {{ ref('a') }}\n");
    let mut listed = p
        .ok(&[
            "ls",
            "-t",
            "ci",
            "-s",
            "state:modified+",
            "--state",
            "prod-artifacts",
            "--output",
            "name",
        ])
        .stdout_lines();
    listed.sort();
    assert_eq!(listed, ["b", "c"]);
    p.ok(&[
        "build",
        "-t",
        "ci",
        "-s",
        "state:modified+",
        "--state",
        "prod-artifacts",
        "--defer",
    ]);
    let compiled = p
        .read("target/compiled/mozt_defer_sf/models/b.sql")
        .to_ascii_lowercase();
    assert!(compiled.contains("analytics.a"), "{compiled}");
    let cell = |v: &Value, k: &str| v.get(k).or(v.get(k.to_ascii_uppercase())).cloned().unwrap_or_default();
    // `rows` runs on the default (production) target: name the CI relations.
    let got = rows(&p, "select x from ci.b order by x");
    let xs: Vec<f64> = got.iter().filter_map(|r| cell(r, "x").as_f64()).collect();
    assert_eq!(xs, [100.0, 200.0], "{got:?}");
    let tables = rows(
        &p,
        "select table_name from information_schema.tables where lower(table_schema) = 'ci' order by 1",
    );
    let names: Vec<String> = tables
        .iter()
        .filter_map(|r| cell(r, "table_name").as_str().map(str::to_ascii_lowercase))
        .collect();
    // (b is a view, which the emulator's information_schema.tables leaves out; it was read above.)
    assert!(
        names.contains(&"c".to_string()) && !names.contains(&"a".to_string()),
        "{tables:?}"
    );
    let n = rows(&p, "select n from ci.c");
    assert_eq!(cell(&n[0], "n").as_f64(), Some(2.0), "{n:?}");
}

/// Source columns from Snowflake's catalog (`<db>.information_schema.columns`) feed the column
/// check of a connected run.
#[test]
fn source_columns_come_from_the_snowflake_catalog() {
    let p = project("mozt_catalog_cols");
    let err = common::source_columns_from_catalog(&p);
    assert!(err.contains("events_by_user"), "{err}");
}
