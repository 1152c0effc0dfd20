//! The scheduler's run-level behaviour: --fail-fast.

mod common;

use common::TestProject;

#[test]
fn fail_fast_stops_starting_new_nodes() {
    let p = TestProject::new("ff");
    p.write(
        "models/a_bad.sql",
        "{{ config(materialized='table') }}\nselect cast('x' as integer) as id\n",
    );
    for i in 0..6 {
        p.write(&format!("models/m{i}.sql"), &format!("select {i} as id\n"));
    }
    let out = p.mozt(&["run", "--threads", "1", "--fail-fast"]);
    out.assert_code(1);
    let results = p.json("target/run_results.json");
    let statuses: Vec<&str> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 7, "{}", out.stdout);
    assert_eq!(statuses.iter().filter(|s| **s == "error").count(), 1);
    // With one worker, the failure is seen before anything after it starts.
    let after: Vec<&&str> = statuses.iter().skip_while(|s| **s != "error").skip(1).collect();
    assert!(after.iter().all(|s| **s == "skipped"), "{statuses:?}\n{}", out.stdout);
    let skipped_message = results["results"][1]["message"].as_str().unwrap();
    assert!(
        skipped_message.contains("--fail-fast stopped the run after a_bad failed"),
        "{skipped_message}"
    );

    // Without the flag every independent model is built.
    let out = p.mozt(&["run", "--threads", "1"]);
    out.assert_code(1);
    assert!(out.stdout.contains("PASS=6 WARN=0 ERROR=1 SKIP=0"), "{}", out.stdout);
}
