//! What the scheduler runs for each node: build a model, seed or snapshot through its
//! materialization (with its hooks), or run a test; and the line printed when it finishes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::adapter::{Adapter, Catalog, Connection};
use crate::compile::{Compiled, HookKind};
use crate::error::{Error, Result};
use crate::jinja::warehouse::Live;
use crate::manifest::{Node, ResourceType};
use crate::materialize::{self, Job};
use crate::run::{NodeResult, Status, Work};

use super::{RunOptions, Session};

pub(super) struct Runner<'a> {
    pub(super) session: &'a Session,
    pub(super) compiled: &'a HashMap<usize, Compiled>,
    pub(super) adapter: &'a dyn Adapter,
    pub(super) catalog: &'a Catalog,
    pub(super) flags: &'a RunOptions,
    /// The connection introspective renders query, opened at the first one.
    pub(super) live: Mutex<Option<Live>>,
}

impl Runner<'_> {
    /// The connection for introspective renders (one, shared by the workers).
    fn live(&self) -> Result<Live> {
        let mut slot = self
            .live
            .lock()
            .map_err(|_| Error::runtime("the introspection connection was poisoned by a panic"))?;
        if let Some(live) = slot.as_ref() {
            return Ok(live.clone());
        }
        let live: Live = Arc::new(Mutex::new(self.adapter.connect()?));
        *slot = Some(live.clone());
        Ok(live)
    }

    /// A node whose Jinja looks at the warehouse, rendered again now that its parents exist;
    /// the compiled file is rewritten (and translated, under `dialect: snowflake`).
    fn render_live(&self, node: &Node, compiled: &Compiled) -> Result<Compiled> {
        let (jinja, manifest) = (&self.session.jinja, &self.session.manifest);
        let sql = crate::compile::render_live(jinja, manifest, node, compiled.incremental, self.live()?)?;
        let file = self.session.project.root.join(&compiled.path);
        crate::files::write_if_changed(&file, sql.as_bytes())
            .map_err(|e| Error::runtime(format!("cannot write {}: {e}", file.display())))?;
        let mut live = Compiled {
            sql,
            ..compiled.clone()
        };
        if self.session.translates() {
            self.session.translate_compiled(node, &mut live)?;
        }
        Ok(live)
    }

    /// Run a node's pre- or post-hooks; hooks that look at the warehouse are rendered now, as
    /// dbt renders them (a post-hook sees the relation just built).
    fn run_hooks(&self, node: &Node, compiled: &Compiled, kind: HookKind, conn: &mut dyn Connection) -> Result<()> {
        let compiled_now = match kind {
            HookKind::Pre => &compiled.pre_hooks,
            HookKind::Post => &compiled.post_hooks,
        };
        if !compiled.live_hooks {
            return run_hooks(conn, compiled_now, kind);
        }
        let (jinja, manifest) = (&self.session.jinja, &self.session.manifest);
        let (mut hooks, _) =
            crate::compile::hooks(jinja, manifest, node, (kind, compiled.incremental), Some(self.live()?))?;
        if self.session.translates() {
            hooks = hooks
                .iter()
                .map(|h| super::translate::translate_hook(node, h))
                .collect::<Result<_>>()?;
        }
        run_hooks(conn, &hooks, kind)
    }

    fn build(&self, node: &Node, compiled: &Compiled, conn: &mut dyn Connection) -> NodeResult {
        let Some(relation) = node.relation.as_ref() else {
            return NodeResult::new(
                &node.unique_id,
                Status::Error,
                format!("{} has no relation to build", node.name),
            );
        };
        // An enforced contract is checked before anything runs.
        let contract = match materialize::contract::enforced_on(node) {
            true => materialize::contract::check(self.adapter, conn, node, &compiled.sql),
            false => Ok(()),
        };
        let outcome = contract
            .and_then(|_| self.run_hooks(node, compiled, HookKind::Pre, conn))
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
            .and_then(|outcome| self.run_hooks(node, compiled, HookKind::Post, conn).map(|_| outcome))
            .and_then(|outcome| {
                let kind = self
                    .catalog
                    .kind(relation)
                    .unwrap_or(crate::adapter::RelationKind::Table);
                materialize::publish::apply(self.adapter, conn, node, relation, kind).map(|_| outcome)
            });
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
fn run_hooks(conn: &mut dyn Connection, hooks: &[String], kind: HookKind) -> Result<()> {
    for sql in hooks {
        conn.execute(sql)
            .map_err(|e| Error::runtime(format!("{} failed: {}", kind.key(), e.message)))?;
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
        let rendered;
        let compiled = match node.introspects && node.resource_type != ResourceType::Seed {
            false => compiled,
            true => match self.render_live(node, compiled) {
                Ok(c) => {
                    rendered = c;
                    &rendered
                }
                Err(e) => return NodeResult::new(&node.unique_id, Status::Error, e.to_string()),
            },
        };
        if let Err(e) = conn.set_node(&node.unique_id, &node.settings) {
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
            // No command's plan holds an analysis; one that did would run nothing.
            ResourceType::Analysis => NodeResult::new(&node.unique_id, Status::Skipped, "an analysis is never run"),
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
