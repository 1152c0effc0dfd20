//! dbt's `on-run-start` and `on-run-end` hooks (dbt_project.yml of the root project, then of
//! each installed package): rendered with the project's Jinja and run on the target before the
//! first node and after the last one, as `dbt run`, `build`, `seed`, `snapshot` and `test` do.
//! `schemas` (the schemas the run builds into) and `database_schemas` are in their context;
//! dbt's `results` is not.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::adapter::{Adapter, Connection};
use crate::error::{Error, Result};
use crate::jinja::{Mode, Scope};
use crate::run::output::say;

use super::Session;

/// Which hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    Start,
    End,
}

impl When {
    fn key(self) -> &'static str {
        match self {
            When::Start => "on-run-start",
            When::End => "on-run-end",
        }
    }
}

/// The hooks of `when`, each with the project it comes from: the root project's first, then
/// the packages' in name order.
fn hooks(session: &Session, when: When) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = vec![];
    if let Some(layout) = &session.project.dbt {
        let list = match when {
            When::Start => &layout.on_run_start,
            When::End => &layout.on_run_end,
        };
        out.extend(list.iter().map(|h| (session.project.name(), h.as_str())));
    }
    for p in &session.project.packages {
        let list = match when {
            When::Start => &p.on_run_start,
            When::End => &p.on_run_end,
        };
        out.extend(list.iter().map(|h| (p.name.as_str(), h.as_str())));
    }
    out
}

/// The on-run-end hooks, on a connection of their own (none is opened without hooks).
pub(super) fn run_end(session: &Session, adapter: &dyn Adapter, plan: &BTreeSet<usize>) -> Result<()> {
    if hooks(session, When::End).is_empty() {
        return Ok(());
    }
    let mut conn = adapter.connect()?;
    run(session, conn.as_mut(), plan, When::End)
}

/// Render and run the hooks of `when` on `conn`; `plan` are the nodes of the run (their
/// schemas are the hooks' `schemas`). The first hook that fails stops the run.
pub(super) fn run(session: &Session, conn: &mut dyn Connection, plan: &BTreeSet<usize>, when: When) -> Result<()> {
    let list = hooks(session, when);
    if list.is_empty() {
        return Ok(());
    }
    let mut schemas: BTreeSet<String> = BTreeSet::new();
    let mut database_schemas: BTreeSet<(String, String)> = BTreeSet::new();
    for &i in plan {
        if let Some(r) = &session.manifest.nodes[i].relation {
            schemas.insert(r.schema.clone());
            let database = r.database.clone().or_else(|| session.target.database.clone());
            database_schemas.insert((database.unwrap_or_default(), r.schema.clone()));
        }
    }
    let ctx = minijinja::context! {
        schemas => schemas.iter().cloned().collect::<Vec<_>>(),
        database_schemas => database_schemas.iter().map(|(d, s)| vec![d.clone(), s.clone()]).collect::<Vec<_>>(),
    };
    let total = list.len();
    for (n, (project, text)) in list.into_iter().enumerate() {
        let name = format!("{project}.{}.{n}", when.key());
        let mut scope = Scope::new(Mode::Compile);
        scope.resolver = Some(Arc::clone(&session.manifest) as Arc<dyn crate::jinja::scope::Resolver>);
        let (sql, _) = session.jinja.render_str(&name, text, ctx.clone(), scope);
        let sql = sql?;
        if sql.trim().is_empty() {
            continue;
        }
        let sql = session.translate_text(&format!("{} hook {name}", when.key()), &sql)?;
        conn.execute(&sql).map_err(|e| {
            Error::runtime(format!("{} hook {name} failed: {}", when.key(), e.message)).help(format!(
                "fix the hook's SQL in {project}'s dbt_project.yml (`{}`)",
                when.key()
            ))
        })?;
        say(&format!("{} hook {} of {total} ({name}): OK", when.key(), n + 1));
    }
    Ok(())
}
