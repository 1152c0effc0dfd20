//! Running models: failures skip what depends on them and nothing else, a failed table build
//! keeps the previous table, and the thread count never changes the result.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestProject, project_yml};
use serde_json::Value;

fn statuses(p: &TestProject) -> Vec<(String, String)> {
    let results = p.json("target/run_results.json");
    let mut v: Vec<(String, String)> = results["results"]
        .as_array()
        .expect("results is a list")
        .iter()
        .map(|r| {
            (
                r["unique_id"].as_str().unwrap_or_default().to_string(),
                r["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn result<'a>(results: &'a Value, id: &str) -> &'a Value {
    results["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["unique_id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in run_results.json"))
}

#[test]
fn a_failing_model_skips_its_descendants_while_siblings_succeed() {
    let p = TestProject::new("fail");
    p.write("models/root.sql", "select 1 as id\n");
    // A failure only the warehouse finds, while running: a cast that fails on the data (in a
    // table, since a view is not run when it is created).
    p.write(
        "models/bad.sql",
        "{{ config(materialized='table') }}\nselect cast('not a number ' || id as integer) as id from {{ ref('root') }}\n",
    );
    p.write(
        "models/bad_child.sql",
        "{{ config(materialized='table') }}\nselect * from {{ ref('bad') }}\n",
    );
    p.write(
        "models/bad_grandchild.sql",
        "select * from {{ ref('bad_child') }} join {{ ref('sibling') }} using (id)\n",
    );
    p.write("models/sibling.sql", "select id from {{ ref('root') }}\n");
    p.write("models/sibling_child.sql", "select id from {{ ref('sibling') }}\n");
    p.write("models/independent.sql", "select 42 as answer\n");

    let out = p.mozt(&["run", "--threads", "2"]);
    out.assert_code(1);
    assert_eq!(
        statuses(&p),
        [
            ("model.fail.bad", "error"),
            ("model.fail.bad_child", "skipped"),
            ("model.fail.bad_grandchild", "skipped"),
            ("model.fail.independent", "success"),
            ("model.fail.root", "success"),
            ("model.fail.sibling", "success"),
            ("model.fail.sibling_child", "success"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        p.relations(),
        [
            "analytics.independent",
            "analytics.root",
            "analytics.sibling",
            "analytics.sibling_child"
        ]
    );
    // The summary names the failure, its file, the warehouse's message and the compiled SQL.
    assert!(
        out.stdout.contains("ERROR in model bad (models/bad.sql)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("not a number"), "{}", out.stdout);
    assert!(
        out.stdout.contains("target/compiled/fail/models/bad.sql"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("PASS=4 WARN=0 ERROR=1 SKIP=2 TOTAL=7"),
        "{}",
        out.stdout
    );

    let results = p.json("target/run_results.json");
    let bad = result(&results, "model.fail.bad");
    assert!(bad["message"].as_str().unwrap_or_default().contains("not a number"));
    let skipped = result(&results, "model.fail.bad_grandchild");
    assert!(
        skipped["message"].as_str().unwrap_or_default().contains("bad"),
        "{skipped}"
    );
    let ok = result(&results, "model.fail.sibling");
    assert_eq!(ok["relation_name"], "analytics.sibling");
    assert!(ok["execution_time"].as_f64().is_some());

    // -q still prints the failure.
    let quiet = p.mozt(&["run", "-q"]);
    quiet.assert_code(1);
    assert!(quiet.stdout.contains("ERROR in model bad"), "{}", quiet.stdout);
    assert!(!quiet.stdout.contains("OK created"), "{}", quiet.stdout);
}

#[test]
fn a_failed_table_build_leaves_the_old_table_readable() {
    let p = TestProject::new("swap");
    p.write(
        "models/t.sql",
        "{{ config(materialized='table') }}\nselect 1 as id, 'old' as v union all select 2, 'old'\n",
    );
    p.write("models/v.sql", "select count(*) as n from {{ ref('t') }}\n");
    p.ok(&["run"]);
    assert_eq!(
        p.query("select id, v from analytics.t order by id"),
        [["1", "old"], ["2", "old"]]
    );

    // Broken SQL: the build fails in the warehouse.
    p.write(
        "models/t.sql",
        "{{ config(materialized='table') }}\nselect cast('one' as integer) as id, 'new' as v\n",
    );
    p.mozt(&["run"]).assert_code(1);
    assert_eq!(
        p.query("select id, v from analytics.t order by id"),
        [["1", "old"], ["2", "old"]]
    );

    // Broken data: the build fails while running (a failed cast on the third row).
    p.write(
        "models/t.sql",
        "{{ config(materialized='table') }}\nselect i::varchar::int as id, 'new' as v from (values ('1'), ('2'), ('x')) as s(i)\n",
    );
    let out = p.mozt(&["run"]);
    out.assert_code(1);
    assert_eq!(
        p.query("select id, v from analytics.t order by id"),
        [["1", "old"], ["2", "old"]]
    );
    assert_eq!(p.scalar("select n from analytics.v"), "2");
    assert_eq!(
        p.relations(),
        ["analytics.t", "analytics.v"],
        "no __mozt_tmp or __mozt_backup relation may be left"
    );

    // Fixed: the new rows replace the old.
    p.write(
        "models/t.sql",
        "{{ config(materialized='table') }}\nselect 3 as id, 'new' as v\n",
    );
    p.ok(&["run"]);
    assert_eq!(p.query("select id, v from analytics.t"), [["3", "new"]]);
    assert_eq!(p.relations(), ["analytics.t", "analytics.v"]);
}

#[test]
fn switching_between_view_and_table_keeps_dependents_working() {
    let p = TestProject::new("switch");
    p.write("models/base.sql", "select 1 as id\n");
    p.write(
        "models/top.sql",
        "{{ config(materialized='table') }}\nselect * from {{ ref('base') }}\n",
    );
    p.ok(&["run"]);
    assert_eq!(p.relation_type("analytics", "base").as_deref(), Some("VIEW"));
    p.write(
        "models/base.sql",
        "{{ config(materialized='table') }}\nselect 2 as id\n",
    );
    p.ok(&["run"]);
    assert_eq!(p.relation_type("analytics", "base").as_deref(), Some("BASE TABLE"));
    assert_eq!(p.scalar("select id from analytics.top"), "2");
    p.write("models/base.sql", "select 3 as id\n");
    p.ok(&["run"]);
    assert_eq!(p.relation_type("analytics", "base").as_deref(), Some("VIEW"));
    assert_eq!(p.scalar("select id from analytics.top"), "3");
    assert_eq!(p.relations(), ["analytics.base", "analytics.top"]);
}

/// A wide DAG: 4 seeds, 24 staging views, 8 intermediate tables each joining three staging
/// models, 4 marts over two intermediates each, and a final table over every mart.
fn wide_project() -> TestProject {
    let p = TestProject::with_yml(&project_yml(
        "wide",
        "models:\n  wide:\n    int: {+materialized: table}\n    marts: {+materialized: table}\n",
    ));
    for s in 0..4 {
        let mut csv = String::from("id,grp,amount,day\n");
        for r in 0..50 {
            csv.push_str(&format!(
                "{r},{},{}.{:02},2024-01-{:02}\n",
                r % 7,
                (r * 37 + s * 11) % 100,
                r % 100,
                (r % 28) + 1
            ));
        }
        p.write(&format!("seeds/raw_{s}.csv"), &csv);
    }
    for i in 0..24 {
        p.write(
            &format!("models/stg/stg_{i:02}.sql"),
            &format!(
                "select id, grp, (amount * {m})::decimal(18, 2) as amount, day + interval {i} day as day\nfrom {{{{ ref('raw_{s}') }}}}\nwhere id % {k} <> 0\n",
                m = i + 1,
                s = i % 4,
                k = (i % 5) + 2
            ),
        );
    }
    for j in 0..8 {
        let (a, b, c) = (3 * j, 3 * j + 1, 3 * j + 2);
        p.write(
            &format!("models/int/int_{j}.sql"),
            &format!(
                "select grp, count(*) as n, sum(amount) as amount, max(day) as last_day\nfrom (\n  select * from {{{{ ref('stg_{a:02}') }}}}\n  union all select * from {{{{ ref('stg_{b:02}') }}}}\n  union all select * from {{{{ ref('stg_{c:02}') }}}}\n)\ngroup by grp\n"
            ),
        );
    }
    for k in 0..4 {
        p.write(
            &format!("models/marts/mart_{k}.sql"),
            &format!(
                "select a.grp, a.n + b.n as n, round(a.amount + b.amount, 2) as amount, greatest(a.last_day, b.last_day) as last_day\nfrom {{{{ ref('int_{x}') }}}} a join {{{{ ref('int_{y}') }}}} b using (grp)\n",
                x = 2 * k,
                y = 2 * k + 1
            ),
        );
    }
    let unions: Vec<String> = (0..4)
        .map(|k| format!("select {k} as mart, * from {{{{ ref('mart_{k}') }}}}"))
        .collect();
    p.write(
        "models/marts/summary.sql",
        &format!("select * from (\n{}\n)\n", unions.join("\nunion all\n")),
    );
    p
}

/// Equal databases, or a failure naming the first relation that differs (not a dump of both).
fn assert_same_db(a: &[(String, String, Vec<Vec<String>>)], b: &[(String, String, Vec<Vec<String>>)]) {
    let names = |d: &[(String, String, Vec<Vec<String>>)]| d.iter().map(|r| r.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "the same relations");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.1, y.1, "{} is a {} once and a {} once", x.0, x.1, y.1);
        assert!(x.2 == y.2, "{} differs:\n{:?}\n{:?}", x.0, x.2, y.2);
    }
}

/// Every relation and its rows, in a stable order, as text.
fn snapshot_db(p: &TestProject) -> Vec<(String, String, Vec<Vec<String>>)> {
    let kinds = p.query(
        "select table_schema, table_name, table_type from information_schema.tables \
         where table_schema not in ('information_schema', 'pg_catalog') order by 1, 2",
    );
    kinds
        .into_iter()
        .map(|r| {
            let rel = format!("{}.{}", r[0], r[1]);
            let rows = p.query(&format!("select columns(*)::varchar from {rel} order by all"));
            (rel, r[2].clone(), rows)
        })
        .collect()
}

#[test]
fn four_threads_build_the_same_as_one() {
    let one = wide_project();
    let four = wide_project();
    let out1 = one.ok(&["build", "--threads", "1"]);
    let out4 = four.ok(&["build", "--threads", "4"]);
    assert!(out1.stdout.contains("with 1 thread "), "{}", out1.stdout);
    assert!(out4.stdout.contains("with 4 threads "), "{}", out4.stdout);
    let a = snapshot_db(&one);
    let b = snapshot_db(&four);
    assert_eq!(a.len(), 4 + 24 + 8 + 4 + 1, "every node built once");
    assert_same_db(&a, &b);
    // Not vacuous: the final table holds every mart's groups.
    let summary = a
        .iter()
        .find(|(rel, _, _)| rel == "analytics.summary")
        .expect("summary");
    assert_eq!(summary.2.len(), 4 * 7);
    assert_eq!(statuses(&one), statuses(&four));
    assert!(statuses(&four).iter().all(|(_, s)| s == "success"));

    // A rebuild over the existing relations gives the same result again.
    four.ok(&["build", "--threads", "4"]);
    assert_same_db(&snapshot_db(&four), &a);
}

#[test]
fn four_threads_skip_the_same_nodes_as_one() {
    let one = wide_project();
    let four = wide_project();
    for p in [&one, &four] {
        p.write(
            "models/int/int_3.sql",
            "select grp, count(*) as n, sum(amount) as amount, max(day) as last_day\nfrom {{ ref('stg_09') }}\nwhere cast('x' || grp as integer) > 0\ngroup by grp\n",
        );
    }
    one.mozt(&["build", "--threads", "1"]).assert_code(1);
    four.mozt(&["build", "--threads", "4"]).assert_code(1);
    let s1 = statuses(&one);
    assert_eq!(s1, statuses(&four));
    let skipped: Vec<&str> = s1
        .iter()
        .filter(|(_, s)| s == "skipped")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(skipped, ["model.wide.mart_1", "model.wide.summary"]);
    assert_same_db(&snapshot_db(&one), &snapshot_db(&four));
}

#[test]
fn one_thread_runs_independent_models_in_file_order() {
    let p = TestProject::new("order");
    for name in ["e_last", "a_first", "c_mid", "b_second", "d_fourth"] {
        p.write(&format!("models/{name}.sql"), "select 1 as id\n");
    }
    p.write("models/a_first_child.sql", "select * from {{ ref('e_last') }}\n");
    let out = p.ok(&["run", "--threads", "1"]);
    let order: Vec<String> = out
        .stdout_lines()
        .iter()
        .filter_map(|l| l.split("analytics.").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert_eq!(
        order,
        ["a_first", "b_second", "c_mid", "d_fourth", "e_last", "a_first_child"],
        "{}",
        out.stdout
    );
}
