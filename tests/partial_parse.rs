//! Partial parsing never serves a stale result: after each edit (a model, a macro, a YAML file,
//! a var in project.yml and on the command line, an env var read in a config, a file added
//! and deleted), `mozt compile` reusing target/partial_parse.json produces exactly what a
//! parse from scratch (`--no-partial-parse`) produces, and renders again only what it must.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestProject, project_yml};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What a compile produced: manifest.json without its timestamp, and every compiled file.
#[derive(Debug, PartialEq)]
struct State {
    manifest: Value,
    compiled: BTreeMap<String, String>,
}

fn state(p: &TestProject) -> State {
    let mut manifest = p.json("target/manifest.json");
    if let Some(m) = manifest.as_object_mut() {
        m.remove("metadata");
    }
    let mut compiled = BTreeMap::new();
    collect(&p.path().join("target/compiled"), p.path(), &mut compiled);
    State { manifest, compiled }
}

fn collect(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries {
        let path = e.expect("read a directory entry").path();
        if path.is_dir() {
            collect(&path, root, out);
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            out.insert(rel, std::fs::read_to_string(&path).expect("read a compiled file"));
        }
    }
}

/// Compile reusing the cache, then from scratch; both must agree. Returns the number of
/// renders reused and done by the first, and its state.
fn compile_both(p: &TestProject, extra: &[&str], env: &[(&str, &str)]) -> (usize, usize, State) {
    let _ = std::fs::remove_dir_all(p.path().join("target/compiled"));
    let mut args = vec!["compile", "-v"];
    args.extend(extra);
    let warm = p.mozt_env(&args, env);
    warm.assert_ok();
    let (reused, rendered) = counts(&warm.stderr);
    let with_cache = state(p);

    let _ = std::fs::remove_dir_all(p.path().join("target/compiled"));
    let mut args = vec!["compile", "-v", "--no-partial-parse"];
    args.extend(extra);
    let scratch = p.mozt_env(&args, env);
    scratch.assert_ok();
    let cold = state(p);
    assert_eq!(with_cache, cold, "the cached parse differs from a parse from scratch");
    // Compile fills in as many parse renders from the cache as from a parse from scratch.
    assert_eq!(reusable(&warm.stderr), reusable(&scratch.stderr));
    (reused, rendered, with_cache)
}

fn counts(stderr: &str) -> (usize, usize) {
    last_two_numbers(stderr, "partial parse: reused")
}

/// Parse renders compile fills in instead of rendering again, and nodes.
fn reusable(stderr: &str) -> (usize, usize) {
    let (reused, nodes) = last_two_numbers(stderr, "parse renders reusable by compile");
    assert!(reused > 0, "no parse render reused");
    (reused, nodes)
}

fn last_two_numbers(stderr: &str, marker: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no line with {marker:?} in:\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let n = numbers.len();
    assert!(n >= 2, "cannot read counts from {line}");
    (numbers[n - 2], numbers[n - 1])
}

fn node<'a>(s: &'a State, id: &str) -> &'a Value {
    &s.manifest["nodes"][id]
}

fn compiled<'a>(s: &'a State, name: &str) -> &'a str {
    s.compiled
        .get(&format!("target/compiled/pp/models/{name}.sql"))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no compiled {name} in {:?}", s.compiled.keys()))
}

fn project() -> TestProject {
    let p = TestProject::with_yml(&project_yml("pp", "vars:\n  flag: a\n"));
    p.write("macros/label.sql", "{% macro label(x) %}'{{ x }}'{% endmacro %}\n");
    p.write("macros/other.sql", "{% macro other() %}2{% endmacro %}\n");
    p.write("models/a.sql", "select 1 as id, {{ label('a') }} as l\n");
    p.write(
        "models/b.sql",
        "{{ config(materialized=var('b_mat', 'view')) }}\nselect id, l from {{ ref('a') }}\n",
    );
    p.write(
        "models/c.sql",
        "{{ config(alias=env_var('PP_ALIAS', 'c')) }}\nselect id from {{ ref('b') }}\n\
         {% if var('flag') == 'x' %}where id = {{ other() }}{% endif %}\n",
    );
    p.write("models/d.sql", "select {{ label('d') }} as l\n");
    p.write(
        "models/schema.yml",
        "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null]\n  - name: d\n    description: first\n",
    );
    p
}

#[test]
fn every_edit_gives_what_a_parse_from_scratch_gives() {
    let p = project();
    // Models a, b, c, d and one test: nothing cached yet.
    let (reused, rendered, _) = compile_both(&p, &[], &[]);
    assert_eq!((reused, rendered), (0, 5));
    assert!(p.path().join("target/partial_parse.json").exists());

    // Unchanged: everything reused.
    let (reused, rendered, _) = compile_both(&p, &[], &[]);
    assert_eq!((reused, rendered), (5, 0));

    // A model: only it renders again.
    p.write("models/a.sql", "select 2 as id, {{ label('a2') }} as l\n");
    let (reused, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!((reused, rendered), (4, 1));
    assert!(compiled(&s, "a").contains("'a2'"));

    // A macro: the models calling it (a and d) render again.
    p.write(
        "macros/label.sql",
        "{% macro label(x) %}upper('{{ x }}'){% endmacro %}\n",
    );
    let (reused, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!((reused, rendered), (3, 2));
    assert!(compiled(&s, "d").contains("upper('d')"));

    // A config read by a render changes with YAML: d gets a config, its test a new column.
    p.write(
        "models/schema.yml",
        "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null]\n  - name: d\n    description: second\n    config:\n      materialized: table\n    columns:\n      - name: l\n        data_tests: [unique]\n",
    );
    let (_, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 2, "d and its new test");
    assert_eq!(node(&s, "model.pp.d")["config"]["materialized"], "table");
    assert_eq!(node(&s, "model.pp.d")["description"], "second");

    // A var in project.yml, read by c only.
    p.write("project.yml", &project_yml("pp", "vars:\n  flag: x\n"));
    let (_, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 1);
    assert!(compiled(&s, "c").contains("where id = 2"));

    // A var on the command line: b's materialization.
    let (_, rendered, s) = compile_both(&p, &["--vars", "{b_mat: table}"], &[]);
    assert_eq!(rendered, 1);
    assert_eq!(node(&s, "model.pp.b")["config"]["materialized"], "table");
    let (_, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 1);
    assert_eq!(node(&s, "model.pp.b")["config"]["materialized"], "view");

    // A macro used by c changes (other(), only called since flag is x).
    p.write("macros/other.sql", "{% macro other() %}3{% endmacro %}\n");
    let (_, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 1);
    assert!(compiled(&s, "c").contains("where id = 3"));

    // An env var read in c's config.
    let (_, rendered, s) = compile_both(&p, &[], &[("PP_ALIAS", "c_alias")]);
    assert_eq!(rendered, 1);
    assert_eq!(node(&s, "model.pp.c")["config"]["alias"], "c_alias");
    assert!(
        node(&s, "model.pp.c")["relation_name"]
            .as_str()
            .is_some_and(|r| r.contains("c_alias"))
    );
    let (_, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 1);
    assert_eq!(node(&s, "model.pp.c")["config"]["alias"], "c");

    // A file added, then deleted.
    p.write("models/e.sql", "select * from {{ ref('d') }}\n");
    let (_, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 1);
    assert_eq!(node(&s, "model.pp.e")["depends_on"]["nodes"][0], "model.pp.d");
    p.remove("models/e.sql");
    let (_, rendered, s) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 0);
    assert!(node(&s, "model.pp.e").is_null());

    // A new macro name may change what any template sees: everything renders again.
    p.write("macros/more.sql", "{% macro more() %}4{% endmacro %}\n");
    let (reused, _, _) = compile_both(&p, &[], &[]);
    assert_eq!(reused, 0);
}

#[test]
fn a_broken_edit_is_reported_and_not_cached() {
    let p = project();
    compile_both(&p, &[], &[]);
    p.write("models/b.sql", "select * from {{ ref('nope') }}\n");
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
    p.write("models/b.sql", "select * from {{ ref('a') }\n");
    p.mozt(&["compile"]).assert_project_error();
    p.write(
        "models/b.sql",
        "{{ config(materialized=var('b_mat', 'view')) }}\nselect id, l from {{ ref('a') }}\n",
    );
    let (_, rendered, _) = compile_both(&p, &[], &[]);
    assert_eq!(rendered, 0, "b's render from before the broken edits is still valid");
}

#[test]
fn no_partial_parse_neither_reads_nor_writes_the_cache() {
    let p = project();
    p.ok(&["compile", "--no-partial-parse"]);
    assert!(!p.path().join("target/partial_parse.json").exists());
    // A corrupt cache file is ignored, then replaced.
    p.write("target/partial_parse.json", "{not json");
    let (reused, rendered, _) = compile_both(&p, &[], &[]);
    assert_eq!((reused, rendered), (0, 5));
    let (reused, _, _) = compile_both(&p, &[], &[]);
    assert_eq!(reused, 5);
}
