//! mozt's artifacts in dbt's published schemas: manifest.json (v12), run_results.json (v6),
//! sources.json (v3) and catalog.json (v1) of the Braze sample and of a generated 1,000-model
//! project parse with dbt-artifacts-parser (PyPI), installed into a venv by
//! scripts/dbt_artifacts.sh as the emulator is; and the check fails when a required field is
//! missing.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

use common::{TestProject, sample_project};

const ARTIFACTS: [&str; 4] = ["manifest.json", "run_results.json", "sources.json", "catalog.json"];

/// `scripts/dbt_artifacts.sh check DIR FILE...`: (exit code, what it printed).
fn check(dir: &Path, files: &[&str]) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dbt_artifacts.sh");
    let out = Command::new(&script)
        .arg("check")
        .arg(dir)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn assert_parse(p: &TestProject) {
    let (code, text) = check(&p.path().join("target"), &ARTIFACTS);
    assert_eq!(code, 0, "the artifacts do not parse with dbt-artifacts-parser:\n{text}");
    for (file, kind) in ARTIFACTS
        .iter()
        .zip(["ManifestV12", "RunResultsV6", "SourcesV3", "CatalogV1"])
    {
        assert!(text.contains(&format!("{file}: {kind} ok")), "{text}");
    }
}

/// Every artifact: build (run_results.json), source freshness (sources.json; its exit code
/// says whether the sources are fresh, which does not matter here), docs generate
/// (manifest.json, catalog.json).
fn write_artifacts(p: &TestProject) {
    p.ok(&["build"]);
    p.mozt(&["source", "freshness"]);
    p.ok(&["docs", "generate"]);
}

#[test]
fn the_braze_samples_artifacts_parse_with_dbt_artifacts_parser() {
    let p = sample_project();
    write_artifacts(&p);
    assert_parse(&p);

    let m = p.json("target/manifest.json");
    // Every kind of entry is there, each where dbt's schema puts it.
    let kinds = |section: &str| -> Vec<String> {
        let mut k: Vec<String> = m[section]
            .as_object()
            .unwrap_or_else(|| panic!("manifest.json has no {section}"))
            .values()
            .filter_map(|n| n["resource_type"].as_str().map(str::to_string))
            .collect();
        k.sort();
        k.dedup();
        k
    };
    assert_eq!(kinds("nodes"), ["model", "seed", "snapshot", "test"]);
    assert_eq!(kinds("sources"), ["source"]);
    assert_eq!(kinds("unit_tests"), ["unit_test"]);
    // mozt's extras: every kind's checksum and the column lineage, under meta.mozt.
    let dim = &m["nodes"]["model.braze_analytics.dim_users"];
    assert_eq!(dim["meta"]["mozt"]["checksums"]["body"], dim["checksum"]["checksum"]);
    assert!(
        dim["meta"]["mozt"]["columns_lineage"]["engagement_tier"].is_object(),
        "{dim}"
    );
    let r = p.json("target/run_results.json");
    assert!(
        r["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|x| x["status"] == "success")
            .all(|x| x["thread_id"].as_str().is_some_and(|t| t.starts_with("Thread-"))),
        "{r}"
    );
    let s = p.json("target/sources.json");
    assert!(!s["results"].as_array().expect("results").is_empty(), "{s}");
}

#[test]
fn a_generated_1000_model_projects_artifacts_parse() {
    let p = TestProject::empty();
    let gen_py = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen.py");
    let status = Command::new("python3")
        .arg(&gen_py)
        .args(["--models", "1000", "--out"])
        .arg(p.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run benches/gen.py (needs python3)");
    assert!(status.success(), "benches/gen.py failed");
    write_artifacts(&p);
    assert_parse(&p);
    let m = p.json("target/manifest.json");
    let models = m["nodes"]
        .as_object()
        .expect("nodes")
        .values()
        .filter(|n| n["resource_type"] == "model")
        .count();
    assert_eq!(models, 1000);
}

/// Removes the field at `path` (object keys; `*` is the first entry of an object or array).
fn remove(doc: &mut Value, path: &[&str]) {
    let (last, parents) = path.split_last().expect("a path");
    let mut at = doc;
    for step in parents {
        at = match (step, at) {
            (&"*", Value::Object(o)) => o.values_mut().next().expect("an entry"),
            (&"*", Value::Array(a)) => a.first_mut().expect("an entry"),
            (key, v) => v.get_mut(*key).unwrap_or_else(|| panic!("no {key}")),
        };
    }
    let removed = at.as_object_mut().and_then(|o| o.remove(*last));
    assert!(removed.is_some(), "no field {last} to remove");
}

/// The check can fail: each artifact with one required field taken out no longer parses, and
/// the message names the field.
#[test]
fn an_artifact_missing_a_required_field_fails_the_check() {
    let p = sample_project();
    write_artifacts(&p);
    let target = p.path().join("target");
    for (file, path) in [
        ("manifest.json", &["nodes", "*", "checksum"][..]),
        ("manifest.json", &["sources", "*", "identifier"][..]),
        ("run_results.json", &["results", "*", "thread_id"][..]),
        ("sources.json", &["results", "*", "snapshotted_at"][..]),
        ("catalog.json", &["nodes", "*", "metadata", "schema"][..]),
    ] {
        let broken = TestProject::empty();
        let mut doc = p.json(&format!("target/{file}"));
        remove(&mut doc, path);
        std::fs::write(
            broken.path().join(file),
            serde_json::to_string(&doc).expect("JSON prints"),
        )
        .expect("write the broken artifact");
        let (code, text) = check(broken.path(), &[file]);
        assert_eq!(code, 1, "{file} without {path:?} still parses:\n{text}");
        let field = path.last().expect("a field");
        assert!(
            text.contains(&format!(".{field}: Field required")),
            "{file}: the message does not name {field}:\n{text}"
        );
        // The untouched file still parses.
        assert_eq!(check(&target, &[file]).0, 0);
    }
}
