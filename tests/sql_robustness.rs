//! The SQL check never crashes and never reports a syntax error on SQL DuckDB runs: long chains
//! (`or`, `+`, `||`), thousands of `union all` branches, deep nesting, and a byte order mark at
//! the start of a model file. Each model is built by the real binary on DuckDB, so DuckDB
//! itself shows the SQL is valid; a reference to a missing column inside a long chain is still
//! reported, so the check did not merely give up.

mod common;

use common::{Output, TestProject};

/// A project with a seed `raw` (id, v) and the model `m` whose file is `sql`.
fn project(sql: &str) -> TestProject {
    let p = TestProject::new("robust");
    p.write("seeds/raw.csv", "id,v\n1,a\n2,b\n");
    p.write("models/m.sql", sql);
    p
}

/// `mozt build` succeeds: the check passed and DuckDB built `m`.
fn builds(p: &TestProject) -> Output {
    let out = p.mozt(&["build"]);
    if out.code != 0 {
        out.fail("the project must build");
    }
    out
}

/// `terms` joined by `sep`.
fn chain(terms: usize, sep: &str, term: impl Fn(usize) -> String) -> String {
    (0..terms).map(term).collect::<Vec<_>>().join(sep)
}

#[test]
fn a_thousand_term_or_chain_is_checked() {
    let filter = chain(1000, " or ", |i| format!("id = {i}"));
    let p = project(&format!("select id, v from {{{{ ref('raw') }}}} where {filter}\n"));
    builds(&p);
    assert_eq!(p.scalar("select count(*) from analytics.m"), "2");

    // The check still reads the whole chain: a missing column at its end is reported.
    let filter = format!("{filter} or nope = 1");
    p.write(
        "models/m.sql",
        &format!("select id from {{{{ ref('raw') }}}} where {filter}\n"),
    );
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
}

#[test]
fn thousand_term_sums_and_concatenations_are_checked() {
    let sum = chain(1000, " + ", |i| format!("id * {i}"));
    let cat = chain(1000, " || ", |i| if i % 2 == 0 { "v".into() } else { format!("'{i}'") });
    // DuckDB's parser reads 1,000 levels of nesting unless told otherwise.
    let deeper = "{{ config(materialized='table', pre_hook='set max_expression_depth to 3000') }}";
    let p = project(&format!(
        "{deeper}\nselect id, {sum} as total, {cat} as label from {{{{ ref('raw') }}}}\n"
    ));
    builds(&p);
    // 1 * (0 + 1 + ... + 999)
    assert_eq!(p.scalar("select total from analytics.m where id = 1"), "499500");

    let p2 = project(&format!("select {sum} + nope as total from {{{{ ref('raw') }}}}\n"));
    let out = p2.mozt(&["compile"]);
    out.assert_project_error();
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
}

#[test]
fn four_thousand_union_branches_are_checked() {
    let union = chain(4000, "\nunion all\n", |i| {
        format!("select id + {i} as x from {{{{ ref('raw') }}}}")
    });
    let p = project(&format!("{union}\n"));
    builds(&p);
    assert_eq!(p.scalar("select count(*) from analytics.m"), "8000");

    let bad = format!("{union}\nunion all\nselect nope as x from {{{{ ref('raw') }}}}\n");
    p.write("models/m.sql", &bad);
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
}

/// `case when id = N then (...) else 0 end`, nested `depth` deep around `id`.
fn nested_case(depth: usize) -> String {
    let mut e = "id".to_string();
    for i in 0..depth {
        e = format!("case when id > -{i} then {e} else 0 end");
    }
    e
}

#[test]
fn a_case_nested_48_deep_is_no_syntax_error() {
    let p = project(&format!("select {} as c from {{{{ ref('raw') }}}}\n", nested_case(48)));
    builds(&p);
    assert_eq!(p.scalar("select sum(c) from analytics.m"), "3");
}

#[test]
fn a_byte_order_mark_is_no_syntax_error() {
    let p = project("\u{feff}select id, v from {{ ref('raw') }}\n");
    builds(&p);
    assert_eq!(p.scalar("select count(*) from analytics.m"), "2");
}

#[test]
fn sql_deeper_than_the_check_reads_is_not_analysed_and_never_crashes() {
    // Parentheses and CASE nested deeper than the parser goes, subqueries nested deeper than
    // the column analysis goes, and chains longer than a syntax tree may be deep: the check
    // stays silent (it even lets a wrong column through) and never aborts.
    let parens = format!("{}nope{}", "(".repeat(3000), ")".repeat(3000));
    let mut sub = "select nope as x from {{ ref('raw') }}".to_string();
    for _ in 0..100 {
        sub = format!("select x from ({sub}) t");
    }
    let or = chain(100_000, " or ", |i| format!("id = {i}"));
    let union = chain(20_000, " union all ", |i| format!("select {i} as x"));
    for sql in [
        format!("select {parens} as x from {{{{ ref('raw') }}}}\n"),
        format!("select {} as x from {{{{ ref('raw') }}}}\n", nested_case(1500)).replace("then id", "then nope"),
        format!("{sub}\n"),
        format!("select nope from {{{{ ref('raw') }}}} where {or}\n"),
        format!("{union} union all select nope as x from {{{{ ref('raw') }}}}\n"),
    ] {
        let p = project(&sql);
        let out = p.mozt(&["compile"]);
        if out.code != 0 {
            out.fail("deep SQL must pass the check unanalysed");
        }
    }
}

#[test]
fn deep_nesting_the_check_reads_is_still_checked() {
    // 40 nested subqueries and 40 nested parentheses are well within what the check reads: a
    // missing column at the bottom is reported.
    let mut sub = "select nope as x from {{ ref('raw') }}".to_string();
    for _ in 0..40 {
        sub = format!("select x from ({sub}) t");
    }
    let parens = format!("{}nope{}", "(".repeat(40), ")".repeat(40));
    for sql in [
        format!("{sub}\n"),
        format!("select {parens} as x from {{{{ ref('raw') }}}}\n"),
    ] {
        let p = project(&sql);
        let out = p.mozt(&["compile"]);
        out.assert_project_error();
        assert!(out.stderr.contains("nope"), "{}", out.stderr);
    }
}
