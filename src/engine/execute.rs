//! Execute (`mozt run`, `seed`, `snapshot`, `test`, `build`): compile the selected nodes
//! against what the warehouse holds, check their SQL, then run them over the DAG and report.

use std::collections::{BTreeSet, HashMap};

use crate::adapter::Catalog;
use crate::adapter::{self, Adapter, Connection, RelationKind};
use crate::compile::Compiled;
use crate::error::{Error, Result};
use crate::manifest::{Materialization, Node, ResourceType};
use crate::materialize;
use crate::run::output::{plural, say};
use crate::run::{self, NodeResult};

use super::{RunOptions, Session};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Seed,
    Snapshot,
    Test,
    Build,
}

impl Kind {
    /// The command's name (what `flags.WHICH` says).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Seed => "seed",
            Kind::Snapshot => "snapshot",
            Kind::Test => "test",
            Kind::Build => "build",
        }
    }

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
    flags: &RunOptions,
    kind: Kind,
    prepare: &mut Prepare<'_>,
) -> Result<Executed> {
    // Ephemeral models are not built: they are compiled into the models that ref them.
    let plan: BTreeSet<usize> = selected
        .into_iter()
        .filter(|&i| session.manifest.nodes[i].materialized() != Materialization::Ephemeral)
        .collect();
    if plan.is_empty() {
        return nothing_to_do(session, plan);
    }
    check_seed_files(session, &plan)?;
    if flags.empty {
        session.read_inputs_empty();
    }
    session.jinja.set_flags(crate::jinja::globals::Flags {
        FULL_REFRESH: flags.full_refresh,
        STORE_FAILURES: flags.store_failures,
        FAIL_FAST: flags.fail_fast,
        WHICH: kind.as_str().to_string(),
    });
    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    let (catalog, schemas, compiled) = prepare_warehouse(session, &plan, flags, adapter.as_ref(), prepare)?;
    note_grants(session, &plan, adapter.as_ref());
    say(&format!(
        "Running {} with {} on target {} ({})",
        describe_plan(session, &plan),
        plural(session.threads, "thread"),
        session.target.name,
        session.target.kind
    ));
    // From here the first Ctrl-C cancels the run instead of ending the process.
    let graceful = crate::cancel::Graceful::enter();
    let results = run_plan(session, &plan, flags, kind, adapter.as_ref(), &catalog, &compiled)?;
    // on-run-end runs whatever the nodes did (not after Ctrl-C); its failure is reported once
    // the results are written.
    let end = match crate::cancel::requested() {
        true => Ok(()),
        false => super::run_hooks::run_end(session, adapter.as_ref(), &plan),
    };
    let code = report(session, &plan, adapter.as_ref(), &schemas, &results)?;
    drop(graceful);
    end?;
    Ok(Executed {
        results,
        code,
        plan,
        compiled,
    })
}

/// A selection with nothing to build: the artifacts say so.
fn nothing_to_do(session: &mut Session, plan: BTreeSet<usize>) -> Result<Executed> {
    session.write_manifest(&Default::default())?;
    say("Nothing to do: the selection matched no nodes.");
    crate::artifacts::write_run_results(&session.artifacts(), &[], 0.0)?;
    Ok(Executed {
        results: vec![],
        code: 0,
        plan,
        compiled: HashMap::new(),
    })
}

/// On one connection before any node runs: the caller's `prepare`, the warehouse's catalog,
/// the compiled and checked SQL, the plan's schemas created and the on-run-start hooks run.
fn prepare_warehouse(
    session: &mut Session,
    plan: &BTreeSet<usize>,
    flags: &RunOptions,
    adapter: &dyn Adapter,
    prepare: &mut Prepare<'_>,
) -> Result<(Catalog, Vec<String>, HashMap<usize, Compiled>)> {
    let mut conn = adapter.connect()?;
    prepare(adapter, conn.as_mut(), plan)?;
    let (catalog, schemas) = read_catalog(session, plan, flags, conn.as_mut())?;
    let compiled = compile_and_check(session, plan, flags, &catalog, conn.as_mut())?;
    for s in &schemas {
        conn.execute(&format!(
            "create schema if not exists {}",
            crate::relation::quote_if_needed(s)
        ))?;
    }
    super::run_hooks::run(session, conn.as_mut(), plan, super::run_hooks::When::Start)?;
    Ok((catalog, schemas, compiled))
}

/// Run the plan's nodes over the DAG on the session's threads.
fn run_plan(
    session: &Session,
    plan: &BTreeSet<usize>,
    flags: &RunOptions,
    kind: Kind,
    adapter: &dyn Adapter,
    catalog: &Catalog,
    compiled: &HashMap<usize, Compiled>,
) -> Result<Vec<NodeResult>> {
    let runner = super::runner::Runner {
        session,
        compiled,
        adapter,
        catalog,
        flags,
        live: std::sync::Mutex::new(None),
    };
    // In build, what depends on a model also waits for the model's tests, and unit tests run
    // before their model.
    let build_dag;
    let dag = if kind == Kind::Build {
        let mut d = session.dag.clone();
        crate::test::build_order(&mut d, &session.manifest, plan);
        build_dag = d;
        &build_dag
    } else {
        &session.dag
    };
    run::execute(&session.manifest, dag, plan, session.threads, adapter, &runner)
}

/// Read what the warehouse holds in the plan's schemas (it decides `is_incremental()`, so it
/// is read before compiling), resolve `--defer` from the same listing, and give the schemas
/// the run must create (the plan's, and the test failures' with `--store-failures`).
fn read_catalog(
    session: &mut Session,
    plan: &BTreeSet<usize>,
    flags: &RunOptions,
    conn: &mut dyn Connection,
) -> Result<(Catalog, Vec<String>)> {
    let schemas: BTreeSet<String> = plan
        .iter()
        .filter_map(|&i| session.manifest.nodes[i].relation.as_ref())
        .map(|r| r.schema.clone())
        .collect();
    let mut schemas: Vec<String> = schemas.into_iter().collect();
    // --defer: what the plan reads but does not build is looked up in the same catalog query.
    let previous = match flags.selection.defer {
        true => session.previous_state(&flags.selection)?.cloned(),
        false => None,
    };
    let deferrable = match &previous {
        Some(_) => crate::state::defer::candidates(&session.manifest, plan),
        None => BTreeSet::new(),
    };
    let mut listed = schemas.clone();
    add_missing(
        &mut listed,
        crate::state::defer::schemas(&session.manifest, &deferrable),
    );
    let mut found = conn.list_relations(&listed)?;
    // Relations a killed run left behind go before anything is built.
    let dropped = materialize::swap::drop_leftovers(conn, &mut found, &owners(session, plan))?;
    if !dropped.is_empty() {
        say(&format!(
            "Dropped {} an interrupted run left behind: {}",
            plural(dropped.len(), "temporary relation"),
            dropped.iter().map(|r| r.short()).collect::<Vec<_>>().join(", ")
        ));
    }
    let catalog = Catalog::new(found);
    if let Some(previous) = &previous {
        let deferred = crate::state::defer::resolve(&session.manifest, &deferrable, &catalog, previous);
        if !deferred.is_empty() {
            std::sync::Arc::make_mut(&mut session.manifest).deferred = deferred;
        }
    }
    add_missing(
        &mut schemas,
        crate::test::failures_schemas(&session.manifest, plan, flags.store_failures, &session.target),
    );
    Ok((catalog, schemas))
}

/// Compile the plan against the catalog, check its SQL (with the sources' columns as the
/// warehouse has them), and write manifest.json.
fn compile_and_check(
    session: &Session,
    plan: &BTreeSet<usize>,
    flags: &RunOptions,
    catalog: &Catalog,
    conn: &mut dyn Connection,
) -> Result<HashMap<usize, Compiled>> {
    let ordered: Vec<usize> = plan.iter().copied().collect();
    let is_incremental = |n: &Node| {
        n.materialized() == Materialization::Incremental
            && !flags.full_refresh
            && n.settings.full_refresh != Some(true)
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
    session.translate(&mut compiled)?;
    let source_columns = crate::check::catalog::source_columns(&session.manifest, &ordered, conn);
    session.check_sql(&mut compiled, flags.strict, &source_columns)?;
    session.write_manifest(&compiled)?;
    Ok(compiled)
}

/// Write run_results.json and print the summary; after Ctrl-C also drop what the interrupted
/// nodes left. The exit code.
fn report(
    session: &Session,
    plan: &BTreeSet<usize>,
    adapter: &dyn Adapter,
    schemas: &[String],
    results: &[NodeResult],
) -> Result<i32> {
    let cancelled = crate::cancel::requested();
    if cancelled {
        crate::cancel::cleaning_up();
    }
    let elapsed = session.started.elapsed().as_secs_f64();
    crate::artifacts::write_run_results(&session.artifacts(), results, elapsed)?;
    let code = super::summary::summarize(&session.manifest, results, elapsed);
    if cancelled {
        return Ok(super::summary::cancelled(drop_leftovers(
            session, plan, adapter, schemas,
        )));
    }
    Ok(code)
}

/// After Ctrl-C: drop the temporary relations the interrupted nodes left in `schemas`, on a
/// connection of its own (the workers' are gone). What it could not drop is said.
fn drop_leftovers(
    session: &Session,
    plan: &BTreeSet<usize>,
    adapter: &dyn Adapter,
    schemas: &[String],
) -> Result<usize, Error> {
    let mut conn = adapter.connect()?;
    let mut found = conn.list_relations(schemas)?;
    Ok(materialize::swap::drop_leftovers(conn.as_mut(), &mut found, &owners(session, plan))?.len())
}

/// The relations the plan builds: only their leftovers are this run's to drop.
fn owners(session: &Session, plan: &BTreeSet<usize>) -> std::collections::HashSet<materialize::swap::Owner> {
    plan.iter()
        .filter_map(|&i| session.manifest.nodes[i].relation.as_ref())
        .map(materialize::swap::owner)
        .collect()
}

/// Where the warehouse has no access control (DuckDB), say once that `grants` are not applied.
fn note_grants(session: &Session, plan: &BTreeSet<usize>, adapter: &dyn Adapter) {
    if adapter.has_grants() {
        return;
    }
    let with: Vec<&str> = plan
        .iter()
        .map(|&i| &session.manifest.nodes[i])
        .filter(|n| n.settings.publish().grants.is_some())
        .map(|n| n.name.as_str())
        .collect();
    if !with.is_empty() {
        say(&format!(
            "Note: {} has no access control, so the grants of {} ({}) are not applied.",
            adapter.kind(),
            plural(with.len(), "node"),
            with.join(", ")
        ));
    }
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
