//! Two mozt processes on one project at once: artifacts are replaced whole (each process writes
//! its own temporary file and renames it), so concurrent compiles leave a manifest.json that
//! parses and no temporary file; a run that finds the DuckDB file held by another process stops
//! with exit 1 and says so, and the database is untouched.

mod common;

use common::TestProject;

fn project() -> TestProject {
    let p = TestProject::new("conc");
    p.write("seeds/raw.csv", "id\n1\n2\n");
    for i in 0..60 {
        let parent = if i == 0 {
            "raw".to_string()
        } else {
            format!("m{}", i - 1)
        };
        p.write(
            &format!("models/m{i}.sql"),
            &format!("select id, {i} as level from {{{{ ref('{parent}') }}}}\n"),
        );
    }
    p
}

#[test]
fn compiles_at_once_leave_whole_artifacts() {
    let p = project();
    for _ in 0..4 {
        let outs: Vec<_> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2).map(|_| s.spawn(|| p.mozt(&["compile"]))).collect();
            runs.into_iter().map(|r| r.join().expect("a compile thread")).collect()
        });
        for out in outs {
            out.assert_ok();
        }
        let manifest: serde_json::Value =
            serde_json::from_str(&p.read("target/manifest.json")).expect("manifest.json is whole JSON");
        let models = manifest["nodes"]
            .as_object()
            .map(|n| n.keys().filter(|k| k.starts_with("model.")).count());
        assert_eq!(models, Some(60));
        let leftovers: Vec<String> = std::fs::read_dir(p.path().join("target"))
            .expect("target/")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
}

#[test]
fn a_run_while_another_process_holds_the_database_stops_and_says_so() {
    let p = project();
    p.ok(&["build"]);
    {
        // This test process holds the DuckDB file open for writing, as a running mozt would.
        let held = duckdb::Connection::open(p.db_path()).expect("open the database");
        let out = p.mozt(&["build"]);
        out.assert_code(1);
        assert!(out.stderr.contains("another process"), "{}", out.stderr);
        drop(held);
    }
    assert_eq!(p.scalar("select count(*) from analytics.m59"), "2");
    p.ok(&["build"]);
}
