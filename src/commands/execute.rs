//! `mozt run`, `mozt seed`, `mozt test` and `mozt build`: select, compile, then execute over
//! the DAG and report.

use std::collections::{BTreeSet, HashMap};

use crate::adapter::Catalog;
use crate::adapter::{self, Adapter, Connection, RelationKind};
use crate::cli::{Common, RunFlags};
use crate::compile::Compiled;
use crate::error::{EXIT_FAILURE, Error, Result};
use crate::manifest::{Materialization, Node, ResourceType};
use crate::materialize::{self, Job};
use crate::run::output::{plural, say};
use crate::run::{self, NodeResult, Status, Work};

use super::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Seed,
    Snapshot,
    Test,
    Build,
}

impl Kind {
    pub fn resource_types(self) -> &'static [ResourceType] {
        match self {
            Kind::Run => &[ResourceType::Model],
            Kind::Seed => &[ResourceType::Seed],
            Kind::Snapshot => &[ResourceType::Snapshot],
            Kind::Test => &[ResourceType::Test, ResourceType::UnitTest],
            Kind::Build => &[
                ResourceType::Model,
                ResourceType::Seed,
                ResourceType::Snapshot,
                ResourceType::Test,
                ResourceType::UnitTest,
            ],
        }
    }
}

pub fn run(common: &Common, flags: &RunFlags, kind: Kind) -> Result<i32> {
    let mut session = Session::load(common)?;
    let selected = session.select(&flags.selection, kind.resource_types())?;
    let executed = execute(&mut session, selected, flags, kind, &mut |_, _, _| Ok(()))?;
    session.finish();
    std::mem::forget(executed.compiled);
    Ok(executed.code)
}

/// What `execute` did: every node's result and the exit code the summary chose.
pub struct Executed {
    pub results: Vec<NodeResult>,
    pub code: i32,
    /// The nodes that ran (ephemeral models left out).
    pub plan: BTreeSet<usize>,
    pub compiled: HashMap<usize, Compiled>,
}

/// Called once on a connection before the warehouse's relations are read (so what it creates
/// counts for `is_incremental()`), with the nodes about to run.
pub type Prepare<'a> = dyn FnMut(&dyn Adapter, &mut dyn Connection, &BTreeSet<usize>) -> Result<()> + 'a;

/// Compile and run the `selected` nodes of the session's manifest, write the artifacts and
/// print the summary.
pub fn execute(
    session: &mut Session,
    selected: BTreeSet<usize>,
    flags: &RunFlags,
    kind: Kind,
    prepare: &mut Prepare<'_>,
) -> Result<Executed> {
    // Ephemeral models are not built: they are compiled into the models that ref them.
    let plan: BTreeSet<usize> = selected
        .into_iter()
        .filter(|&i| session.manifest.nodes[i].materialized() != Materialization::Ephemeral)
        .collect();
    if plan.is_empty() {
        crate::artifacts::write_manifest(session, &Default::default())?;
        say("Nothing to do: the selection matched no nodes.");
        crate::artifacts::write_run_results(session, &[], 0.0)?;
        return Ok(Executed {
            results: vec![],
            code: 0,
            plan,
            compiled: HashMap::new(),
        });
    }
    check_seed_files(session, &plan)?;

    // What the warehouse holds decides is_incremental(), so it is read before compiling.
    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    let schemas: BTreeSet<String> = plan
        .iter()
        .filter_map(|&i| session.manifest.nodes[i].relation.as_ref())
        .map(|r| r.schema.clone())
        .collect();
    let mut schemas: Vec<String> = schemas.into_iter().collect();
    prepare(adapter.as_ref(), conn.as_mut(), &plan)?;
    // --defer: what the plan reads but does not build is looked up in the same catalog query.
    let previous = match flags.selection.defer {
        true => session.previous_state(&flags.selection)?.cloned(),
        false => None,
    };
    let deferrable = match &previous {
        Some(_) => crate::state::defer::candidates(&session.manifest, &plan),
        None => BTreeSet::new(),
    };
    let mut listed = schemas.clone();
    add_missing(
        &mut listed,
        crate::state::defer::schemas(&session.manifest, &deferrable),
    );
    let catalog = Catalog::new(conn.list_relations(&listed)?);
    if let Some(previous) = &previous {
        let deferred = crate::state::defer::resolve(&session.manifest, &deferrable, &catalog, previous);
        if !deferred.is_empty() {
            std::sync::Arc::make_mut(&mut session.manifest).deferred = deferred;
        }
    }
    add_missing(
        &mut schemas,
        crate::test::failures_schemas(&session.manifest, &plan, flags.store_failures, &session.target),
    );

    let ordered: Vec<usize> = plan.iter().copied().collect();
    let is_incremental = |n: &Node| {
        n.materialized() == Materialization::Incremental
            && !flags.full_refresh
            && n.config_bool("full_refresh") != Some(true)
            && n.relation
                .as_ref()
                .is_some_and(|r| catalog.kind(r) == Some(RelationKind::Table))
    };
    let mut compiled = crate::compile::compile_all(
        &session.jinja,
        &session.manifest,
        &ordered,
        &session.project.root,
        &session.target_dir(),
        &is_incremental,
    )?;
    let source_columns = crate::check::catalog::source_columns(&session.manifest, &ordered, conn.as_mut());
    session.check_sql(&mut compiled, flags.strict, &source_columns)?;
    crate::artifacts::write_manifest(session, &compiled)?;

    for s in &schemas {
        conn.execute(&format!(
            "create schema if not exists {}",
            crate::relation::quote_if_needed(s)
        ))?;
    }
    drop(conn);

    say(&format!(
        "Running {} with {} on target {} ({})",
        describe_plan(session, &plan),
        plural(session.threads, "thread"),
        session.target.name,
        session.target.kind
    ));
    let runner = Runner {
        session,
        compiled: &compiled,
        adapter: adapter.as_ref(),
        catalog: &catalog,
        flags,
    };
    // In build, what depends on a model also waits for the model's tests, and unit tests run
    // before their model.
    let build_dag;
    let dag = if kind == Kind::Build {
        let mut d = session.dag.clone();
        crate::test::build_order(&mut d, &session.manifest, &plan);
        build_dag = d;
        &build_dag
    } else {
        &session.dag
    };
    let results = run::execute(
        &session.manifest,
        dag,
        &plan,
        session.threads,
        adapter.as_ref(),
        &runner,
    )?;
    let elapsed = session.started.elapsed().as_secs_f64();
    crate::artifacts::write_run_results(session, &results, elapsed)?;
    let code = summarize(session, &results, elapsed);
    Ok(Executed {
        results,
        code,
        plan,
        compiled,
    })
}

/// Append the schemas `list` does not hold yet, keeping its order.
fn add_missing(list: &mut Vec<String>, more: impl IntoIterator<Item = String>) {
    for s in more {
        if !list.contains(&s) {
            list.push(s);
        }
    }
}

/// A malformed seed file is the project's error (exit 2), reported before anything runs.
fn check_seed_files(session: &Session, plan: &BTreeSet<usize>) -> Result<()> {
    let errors: Vec<Error> = plan
        .iter()
        .map(|&i| &session.manifest.nodes[i])
        .filter(|n| n.resource_type == ResourceType::Seed)
        .filter_map(|n| materialize::seed::read_checked(&session.project.root, n).err())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::error::combine(errors))
    }
}

fn describe_plan(session: &Session, plan: &BTreeSet<usize>) -> String {
    let mut counts: Vec<(String, usize)> = vec![];
    for &i in plan {
        let n = &session.manifest.nodes[i];
        let label = match n.resource_type {
            ResourceType::Model => format!("{} model", n.materialized()),
            ResourceType::UnitTest => "unit test".to_string(),
            other => other.as_str().to_string(),
        };
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, c)) => *c += 1,
            None => counts.push((label, 1)),
        }
    }
    counts.iter().map(|(l, c)| plural(*c, l)).collect::<Vec<_>>().join(", ")
}

/// Print the summary; the exit code is 1 when anything failed.
fn summarize(session: &Session, results: &[NodeResult], elapsed: f64) -> i32 {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let failures: Vec<&NodeResult> = results.iter().filter(|r| r.status.is_failure()).collect();
    let warnings: Vec<&NodeResult> = results.iter().filter(|r| r.status == Status::Warn).collect();
    say("");
    say(&format!("Finished in {elapsed:.2}s."));
    if failures.is_empty() {
        say(if warnings.is_empty() {
            "Completed successfully"
        } else {
            "Completed with warnings:"
        });
    } else {
        say(&format!(
            "Completed with {} and {}:",
            plural(failures.len(), "error"),
            plural(warnings.len(), "warning")
        ));
    }
    for r in failures.iter().chain(warnings.iter()) {
        // Failures are shown even with -q ("print only errors").
        let show = |line: &str| {
            if r.status.is_failure() {
                crate::run::output::say_always(line)
            } else {
                say(line)
            }
        };
        let node = session.manifest.node(&r.unique_id);
        let name = node.map(|n| n.name.as_str()).unwrap_or(&r.unique_id);
        let kind = node.map(|n| n.resource_type.as_str()).unwrap_or("node");
        show("");
        show(&format!(
            "{} in {kind} {name} ({})",
            r.status.label(),
            node.map(|n| n.original_file_path.display().to_string())
                .unwrap_or_default()
        ));
        for line in r.message.lines() {
            show(&format!("  {line}"));
        }
        for line in &r.details {
            show(&format!("  {line}"));
        }
        if let Some(path) = r.compiled_path.as_ref().filter(|_| r.status == Status::Error) {
            show(&format!("  compiled SQL: {path}"));
        }
    }
    say("");
    say(&format!(
        "Done. PASS={} WARN={} ERROR={} SKIP={} TOTAL={}",
        count(Status::Success) + count(Status::Pass),
        count(Status::Warn),
        count(Status::Error) + count(Status::Fail),
        count(Status::Skipped),
        results.len()
    ));
    if failures.is_empty() { 0 } else { EXIT_FAILURE }
}

struct Runner<'a> {
    session: &'a Session,
    compiled: &'a HashMap<usize, Compiled>,
    adapter: &'a dyn Adapter,
    catalog: &'a Catalog,
    flags: &'a RunFlags,
}

impl Runner<'_> {
    fn build(&self, node: &Node, compiled: &Compiled, conn: &mut dyn Connection) -> NodeResult {
        let Some(relation) = node.relation.as_ref() else {
            return NodeResult::new(
                &node.unique_id,
                Status::Error,
                format!("{} has no relation to build", node.name),
            );
        };
        let outcome = run_hooks(conn, &compiled.pre_hooks, "pre_hook")
            .and_then(|_| {
                materialize::materialize(Job {
                    node,
                    relation,
                    sql: &compiled.sql,
                    adapter: self.adapter,
                    conn: &mut *conn,
                    catalog: self.catalog,
                    project: &self.session.project,
                    incremental: compiled.incremental,
                })
            })
            .and_then(|outcome| run_hooks(conn, &compiled.post_hooks, "post_hook").map(|_| outcome));
        let mut r = match outcome {
            Ok(outcome) => {
                let mut r = NodeResult::new(&node.unique_id, Status::Success, outcome.message);
                r.rows_affected = outcome.rows.map(|n| n as u64);
                r
            }
            Err(e) => NodeResult::new(&node.unique_id, Status::Error, e.to_string()),
        };
        r.relation_name = Some(relation.to_string());
        if node.resource_type != ResourceType::Seed {
            r.compiled_path = Some(crate::compile::display_path(&compiled.path));
        }
        r
    }
}

/// Run a model's pre- or post-hooks, in order.
fn run_hooks(conn: &mut dyn Connection, hooks: &[String], which: &str) -> Result<()> {
    for sql in hooks {
        conn.execute(sql)
            .map_err(|e| Error::runtime(format!("{which} failed: {}", e.message)))?;
    }
    Ok(())
}

impl Work for Runner<'_> {
    fn stop_on_failure(&self) -> bool {
        self.flags.fail_fast
    }

    fn run(&self, index: usize, conn: &mut dyn Connection) -> NodeResult {
        let node = &self.session.manifest.nodes[index];
        let Some(compiled) = self.compiled.get(&index) else {
            return NodeResult::new(&node.unique_id, Status::Error, "not compiled");
        };
        if let Err(e) = conn.set_node(&node.unique_id, &node.config) {
            return NodeResult::new(&node.unique_id, Status::Error, e.to_string());
        }
        match node.resource_type {
            ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot => self.build(node, compiled, conn),
            ResourceType::Test | ResourceType::UnitTest => {
                let run = crate::test::TestRun {
                    manifest: &self.session.manifest,
                    target: &self.session.target,
                    store_failures: self.flags.store_failures,
                    root: &self.session.project.root,
                };
                crate::test::execute(node, compiled, conn, &run)
            }
        }
    }

    fn describe(&self, index: usize, result: &NodeResult) -> String {
        let node = &self.session.manifest.nodes[index];
        let rel = node
            .relation
            .as_ref()
            .map(|r| r.short())
            .unwrap_or_else(|| node.name.clone());
        match (node.resource_type, result.status) {
            (ResourceType::UnitTest, status) => {
                let model = node.test.as_ref().and_then(|t| t.attached_to.as_deref()).unwrap_or("");
                let model = model.rsplit('.').next().unwrap_or(model);
                match status {
                    Status::Fail => format!("{model}::{} ({} rows differ)", node.name, result.failures.unwrap_or(0)),
                    _ => format!("{model}::{}", node.name),
                }
            }
            (ResourceType::Test, Status::Fail | Status::Warn) => {
                format!("{} ({} failing)", node.name, result.failures.unwrap_or(0))
            }
            (ResourceType::Test, _) => node.name.clone(),
            (ResourceType::Seed, Status::Success) => {
                format!("loaded seed {rel} ({} rows)", result.rows_affected.unwrap_or(0))
            }
            (_, Status::Success) => result.message.clone(),
            (ResourceType::Seed, _) => format!("seed {rel}"),
            (_, _) => format!("{} {rel}", node.materialized()),
        }
    }
}
