//! Data tests: a test is a query returning failing rows; its config decides PASS, WARN or FAIL
//! (`severity`, `error_if`, `warn_if`, `limit`, `fail_calc`), and `store_failures` keeps the
//! failing rows in a table. Unit tests are in `unit`. `build_order` makes `mozt build` wait for
//! tests before what depends on the tested nodes.

pub(crate) mod unit;

use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use crate::adapter::{Connection, RelationKind};
use crate::compile::Compiled;
use crate::graph::{Dag, Key};
use crate::manifest::config::{Severity, StoreFailuresAs};
use crate::manifest::{Manifest, Node, ResourceType};
use crate::project::Target;
use crate::relation::Relation;
use crate::run::{NodeResult, Status};

/// What a test run needs beside the node.
pub(crate) struct TestRun<'a> {
    pub manifest: &'a Manifest,
    pub target: &'a Target,
    /// `--store-failures` was given.
    pub store_failures: bool,
    /// The project root (compiled SQL paths are relative to it).
    pub root: &'a Path,
}

/// Run one data test (or unit test) and judge it.
pub(crate) fn execute(node: &Node, compiled: &Compiled, conn: &mut dyn Connection, run: &TestRun<'_>) -> NodeResult {
    if node.resource_type == ResourceType::UnitTest {
        return unit::execute(node, compiled, conn, run);
    }
    let mut sql = compiled.sql.trim().trim_end_matches(';').trim_end().to_string();
    let config = node.settings.test();
    if let Some(limit) = config.limit {
        sql = format!("select * from (\n{sql}\n) as mozt_limited limit {limit}");
    }
    let fail_calc = config.fail_calc.as_deref().unwrap_or("count(*)");
    let stored = stores_failures(node, run.store_failures).then(|| failures_relation(node, run.target));
    let count_sql = match &stored {
        Some(rel) => {
            let kind = config.store_failures_as;
            // A relation of the other kind under the same name would block `create or replace`.
            let existing = conn
                .find_relation(&rel.schema, &rel.identifier)
                .unwrap_or_default()
                .map(|(_, k)| k);
            let drop = match (existing, kind) {
                (Some(existing @ RelationKind::View), StoreFailuresAs::Table)
                | (Some(existing @ RelationKind::Table), StoreFailuresAs::View) => {
                    format!("{};\n", existing.drop_sql(rel))
                }
                _ => String::new(),
            };
            let kind = kind.as_str();
            let stmts = format!("{drop}create or replace {kind} {rel} as\nselect * from (\n{sql}\n) as mozt_failures");
            if let Err(e) = conn.execute(&stmts) {
                return error_result(
                    node,
                    compiled,
                    &format!("could not store the failing rows in {rel}: {e}"),
                );
            }
            format!("select {fail_calc} as failures from {rel}")
        }
        None => format!("select {fail_calc} as failures from (\n{sql}\n) as mozt_test"),
    };
    let mut r = match conn.query(&count_sql) {
        Ok(rows) => {
            let n = rows.rows.first().and_then(|r| r.first()).map(as_count).unwrap_or(0);
            let status = judge(node, n);
            let mut r = NodeResult::new(&node.unique_id, status, failing_rows(n));
            r.failures = Some(n);
            if status != Status::Pass {
                r.message = format!("{} ({})", failing_rows(n), threshold(node, status));
                r.details.push(format!(
                    "compiled SQL: {}",
                    crate::compile::display_path(&compiled.path)
                ));
                match &stored {
                    Some(rel) => r.details.push(format!("see the failing rows: select * from {rel}")),
                    None => r.details.push(
                        "see the failing rows: run the compiled SQL, or rerun with --store-failures to keep them in a table"
                            .to_string(),
                    ),
                }
            }
            if let Some(rel) = &stored {
                r.relation_name = Some(rel.to_string());
            }
            r
        }
        Err(e) => return error_result(node, compiled, &e.to_string()),
    };
    r.compiled_path = Some(crate::compile::display_path(&compiled.path));
    r
}

fn error_result(node: &Node, compiled: &Compiled, message: &str) -> NodeResult {
    // The summary prints an ERROR's compiled SQL path.
    let mut r = NodeResult::new(&node.unique_id, Status::Error, message);
    r.compiled_path = Some(crate::compile::display_path(&compiled.path));
    r
}

fn failing_rows(n: u64) -> String {
    if n == 1 {
        "1 failing row".to_string()
    } else {
        format!("{n} failing rows")
    }
}

/// `fails if != 0`: the condition that decided a WARN or FAIL.
fn threshold(node: &Node, status: Status) -> String {
    match status {
        Status::Fail => format!("fails if {}", node.settings.test().error_if),
        _ => format!("warns if {}", node.settings.test().warn_if),
    }
}

/// A count from the warehouse: an integer, a float or a numeric string.
fn as_count(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().map(|f| f.max(0.0) as u64))
            .unwrap_or(0),
        Value::String(s) => s.trim().parse::<f64>().map(|f| f.max(0.0) as u64).unwrap_or(0),
        Value::Bool(b) => u64::from(*b),
        _ => 0,
    }
}

/// The test's own `store_failures` config wins; otherwise `--store-failures`.
pub(crate) fn stores_failures(node: &Node, flag: bool) -> bool {
    node.resource_type == ResourceType::Test && node.settings.test().store_failures.unwrap_or(flag)
}

/// Where a test's failing rows are kept: `<target schema>_test_failures.<test name or alias>`
/// (a test's `schema` config replaces the `test_failures` suffix).
pub(crate) fn failures_relation(node: &Node, target: &Target) -> Relation {
    let config = &node.settings;
    let suffix = config
        .schema
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("test_failures");
    let identifier = config.alias.as_deref().filter(|s| !s.is_empty()).unwrap_or(&node.name);
    Relation::new(None, format!("{}_{suffix}", target.schema), identifier)
}

/// The schemas the planned tests store failures in (created before the run).
pub(crate) fn failures_schemas(
    manifest: &Manifest,
    plan: &BTreeSet<usize>,
    flag: bool,
    target: &Target,
) -> Vec<String> {
    let set: BTreeSet<String> = plan
        .iter()
        .map(|&i| &manifest.nodes[i])
        .filter(|n| stores_failures(n, flag))
        .map(|n| failures_relation(n, target).schema)
        .collect();
    set.into_iter().collect()
}

/// PASS, WARN or FAIL from the count and the test's severity and thresholds.
pub(crate) fn judge(node: &Node, failures: u64) -> Status {
    let config = node.settings.test();
    if config.severity == Severity::Error && config.error_if.holds(failures) {
        Status::Fail
    } else if config.warn_if.holds(failures) {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// `mozt build` ordering on top of the DAG:
/// - a node waits for every planned data test whose dependencies are all among the node's
///   ancestors (so a failing test on a model stops the model's children, as in dbt);
/// - a model's unit tests run before the model (after the model's own parents).
pub(crate) fn build_order(dag: &mut Dag, manifest: &Manifest, plan: &BTreeSet<usize>) {
    let id_key: HashMap<&str, Key> = manifest
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.unique_id.as_str(), Key::Node(i)))
        .chain(
            manifest
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| (s.unique_id.as_str(), Key::Source(i))),
        )
        .collect();
    let tests: Vec<(usize, Vec<Key>)> = plan
        .iter()
        .copied()
        .filter(|&i| manifest.nodes[i].resource_type == ResourceType::Test)
        .map(|i| {
            let deps = manifest.nodes[i]
                .depends_on
                .iter()
                .filter_map(|d| id_key.get(d.as_str()).copied())
                .collect::<Vec<_>>();
            (i, deps)
        })
        .filter(|(_, deps)| !deps.is_empty())
        .collect();
    let mut edges: Vec<(Key, Key)> = vec![];
    for &n in plan {
        let node = &manifest.nodes[n];
        if matches!(node.resource_type, ResourceType::Test | ResourceType::UnitTest) {
            continue;
        }
        let ancestors: HashSet<Key> = dag
            .reach(Key::Node(n), petgraph::Direction::Incoming, None)
            .into_iter()
            .collect();
        for (t, deps) in &tests {
            if deps.iter().all(|d| ancestors.contains(d)) {
                edges.push((Key::Node(*t), Key::Node(n)));
            }
        }
    }
    // Unit tests: model -> unit test becomes parents(model) -> unit test -> model.
    for &u in plan {
        let node = &manifest.nodes[u];
        if node.resource_type != ResourceType::UnitTest {
            continue;
        }
        let Some(model) = node
            .test
            .as_ref()
            .and_then(|t| t.attached_to.as_deref())
            .and_then(|id| id_key.get(id).copied())
        else {
            continue;
        };
        dag.remove_edge(model, Key::Node(u));
        for p in dag.parents(model) {
            edges.push((p, Key::Node(u)));
        }
        edges.push((Key::Node(u), model));
    }
    for (from, to) in edges {
        dag.add_edge(from, to);
    }
}
