//! The engine as a library: load a project (`Session::load`), select nodes, compile them,
//! run them (`execute`) and deploy them (`deploy`), from plain option structs. The command line
//! (`crate::cli`, `crate::commands`) only translates flags into these and prints.
//!
//! `Session` is what every command starts from: the project loaded, the target resolved, the
//! manifest parsed and the DAG built.

pub mod clone;
pub mod compile;
pub mod deploy;
pub mod docs;
pub mod execute;
pub mod lineage;
pub mod operation;
mod run_hooks;
mod runner;
mod summary;
#[cfg(test)]
mod tests;
mod translate;

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::graph::{Dag, Key, select, selectors};
use crate::jinja::JinjaEnv;
use crate::manifest::{Manifest, ResourceType};
use crate::project::{Project, Target};

/// Where the project is and how to read it (`--project-dir`, `--target`, `--vars`,
/// `--threads`, `--no-partial-parse`).
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The project folder (holding project.yml).
    pub project_dir: PathBuf,
    /// A target named in the project (default: the project's default target).
    pub target: Option<String>,
    /// Vars as YAML or JSON, overriding the project's.
    pub vars: Option<String>,
    /// Worker threads (default: the target's `threads`).
    pub threads: Option<usize>,
    /// Reuse unchanged renders from target/partial_parse.json.
    pub partial_parse: bool,
    /// For a dbt-layout project: where profiles.yml is and which profile to use
    /// (`--profiles-dir`, `--profile`).
    pub profiles: crate::project::ProfileOptions,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            project_dir: PathBuf::from("."),
            target: None,
            vars: None,
            threads: None,
            partial_parse: true,
            profiles: Default::default(),
        }
    }
}

/// Which nodes a command works on (`--select`, `--exclude`, `--selector`, `--state`, `--defer`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Selector expressions to include (docs/selectors.md); empty: everything.
    pub select: Vec<String>,
    /// Selector expressions to leave out.
    pub exclude: Vec<String>,
    /// A named selector from selectors.yml (instead of `select`/`exclude`).
    pub selector: Option<String>,
    /// A previous run's artifacts, for the `state:` and `result:` methods and `defer`.
    pub state: Option<PathBuf>,
    /// A ref to a model that is neither selected nor built here reads the relation the state's
    /// run built.
    pub defer: bool,
}

/// How to run the selected nodes (`mozt run/seed/snapshot/test/build/deploy`).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub selection: Selection,
    /// Rebuild incremental models and reload seeds from scratch.
    pub full_refresh: bool,
    /// Stop at the first failure.
    pub fail_fast: bool,
    /// Keep the failing rows of tests in tables.
    pub store_failures: bool,
    /// Hard-coded table names that bypass ref() and source() are errors, not warnings.
    pub strict: bool,
    /// `--empty`: every ref and source reads as a subquery with no rows.
    pub empty: bool,
}

pub struct Session {
    pub project: Project,
    pub target: Target,
    pub manifest: Arc<Manifest>,
    pub jinja: JinjaEnv,
    pub dag: Dag,
    pub started: Instant,
    pub threads: usize,
    /// The previous run read from `--state`, once.
    previous: OnceLock<Option<crate::state::PreviousState>>,
    /// Every node's checksums, computed once.
    checksums: OnceLock<Vec<crate::state::checksum::Checksums>>,
    /// The partial-parse cache being written (waited for when the session ends).
    cache_written: crate::parse::partial::SaveHandle,
}

impl Session {
    pub fn load(options: &LoadOptions) -> Result<Session> {
        let started = Instant::now();
        let project = Project::load_with(&options.project_dir, &options.profiles)?;
        tracing::debug!("read the project's files in {:?}", started.elapsed());
        let target = project.resolve_target(options.target.as_deref())?;
        let vars = parse_vars(options.vars.as_deref())?;
        let parsed = crate::parse::parse(&project, &target, &vars, options.partial_parse)?;
        let dag = Dag::build(&parsed.manifest)?;
        let threads = options.threads.unwrap_or(target.threads).max(1);
        tracing::debug!(
            "parsed {} nodes in {:?}",
            parsed.manifest.nodes.len(),
            started.elapsed()
        );
        Ok(Session {
            project,
            target,
            manifest: parsed.manifest,
            jinja: parsed.jinja,
            dag,
            started,
            threads,
            previous: OnceLock::new(),
            checksums: OnceLock::new(),
            cache_written: parsed.cache_written,
        })
    }

    /// End the command: wait for the partial-parse cache, and leave the rest of the session
    /// (tens of thousands of nodes, templates and checksums in a large project) to the
    /// operating system instead of freeing it piece by piece just before the process exits.
    pub fn finish(mut self) {
        drop(std::mem::take(&mut self.cache_written));
        std::mem::forget(self);
    }

    /// The selected manifest nodes of the given kinds (sources are never executed).
    pub fn select(&self, selection: &Selection, kinds: &[ResourceType]) -> Result<BTreeSet<usize>> {
        let keys = self.select_keys(selection)?;
        Ok(keys
            .into_iter()
            .filter_map(|k| match k {
                Key::Node(i) if kinds.contains(&self.manifest.nodes[i].resource_type) => Some(i),
                _ => None,
            })
            .collect())
    }

    pub fn select_keys(&self, selection: &Selection) -> Result<BTreeSet<Key>> {
        let previous = self.previous_state(selection)?;
        let view = previous.map(|p| select::StateView {
            previous: p,
            nodes: self.checksums(),
            sources: self
                .manifest
                .sources
                .iter()
                .map(crate::state::checksum::of_source)
                .collect(),
        });
        let ctx = select::Context {
            manifest: &self.manifest,
            dag: &self.dag,
            state: view.as_ref(),
        };
        match &selection.selector {
            Some(name) => selectors::select(&ctx, &self.project.root, name),
            None => select::select_in(&ctx, &selection.select, &selection.exclude),
        }
    }

    /// The previous run named by `--state`, read once; None without `--state`.
    pub fn previous_state(&self, selection: &Selection) -> Result<Option<&crate::state::PreviousState>> {
        let Some(dir) = &selection.state else { return Ok(None) };
        if let Some(loaded) = self.previous.get() {
            return Ok(loaded.as_ref());
        }
        let loaded = crate::state::PreviousState::load(dir)?;
        Ok(self.previous.get_or_init(|| Some(loaded)).as_ref())
    }

    /// Every node's checksums (`state:modified`, manifest.json), by node index.
    pub fn checksums(&self) -> &[crate::state::checksum::Checksums] {
        use rayon::prelude::*;
        self.checksums.get_or_init(|| {
            let started = Instant::now();
            let macros = crate::state::checksum::MacroIndex::new(&self.jinja);
            let out: Vec<_> = self
                .manifest
                .nodes
                .par_iter()
                .map(|n| crate::state::checksum::of_node(n, &self.jinja, &macros, &self.project.root))
                .collect();
            tracing::debug!("checksums of {} nodes in {:?}", out.len(), started.elapsed());
            out
        })
    }

    /// `--empty`: from now on every ref and source compiles to a subquery with no rows, so
    /// models build their columns without data.
    pub fn read_inputs_empty(&mut self) {
        Arc::make_mut(&mut self.manifest).empty_inputs = true;
    }

    pub fn target_dir(&self) -> String {
        self.project.file.target_path.clone()
    }

    /// What the artifacts under target/ describe: this session's manifest, target and folder.
    pub fn artifacts(&self) -> crate::artifacts::Context<'_> {
        crate::artifacts::Context {
            manifest: &self.manifest,
            target: &self.target,
            dir: self.project.root.join(&self.project.file.target_path),
            threads: self.threads,
        }
    }

    /// Write target/manifest.json with these compiled nodes (paths, lineage).
    pub fn write_manifest(&self, compiled: &std::collections::HashMap<usize, crate::compile::Compiled>) -> Result<()> {
        crate::artifacts::write_manifest(&self.artifacts(), self.checksums(), compiled)
    }

    /// Read the compiled SQL (syntax, relations, columns), fill in lineage, and fail with every
    /// error found before anything runs.
    pub fn check_sql(
        &self,
        compiled: &mut std::collections::HashMap<usize, crate::compile::Compiled>,
        strict: bool,
        source_columns: &crate::check::catalog::SourceColumns,
    ) -> Result<crate::check::Analysis> {
        crate::check::statements::refuse_multiple(&self.manifest, compiled, self.target.kind)?;
        // A node whose Jinja looks at the warehouse has its SQL only at run time, once its
        // parents exist (see `runner`): it is left out of the check, and its children see its
        // columns as unknown.
        let introspective: Vec<usize> = compiled
            .keys()
            .copied()
            .filter(|&i| self.manifest.nodes[i].introspects)
            .collect();
        let held: Vec<(usize, crate::compile::Compiled)> = introspective
            .into_iter()
            .filter_map(|i| compiled.remove(&i).map(|c| (i, c)))
            .collect();
        let analysis = crate::check::check_compiled(&self.check_input(strict, source_columns), compiled);
        compiled.extend(held);
        analysis
    }

    /// What the SQL check reads of the session.
    fn check_input<'a>(
        &'a self,
        strict: bool,
        source_columns: &'a crate::check::catalog::SourceColumns,
    ) -> crate::check::Input<'a> {
        crate::check::Input {
            jinja: &self.jinja,
            manifest: &self.manifest,
            root: &self.project.root,
            target_dir: &self.project.file.target_path,
            target_kind: self.target.kind,
            strict,
            source_columns,
        }
    }
}

/// `--vars` as YAML or JSON (a mapping).
pub fn parse_vars(text: Option<&str>) -> Result<Map<String, Value>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Map::new());
    };
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| {
        Error::project(format!("--vars is not valid YAML: {e}")).help("pass a mapping: --vars '{lookback_days: 7}'")
    })?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(Error::project("--vars must be a mapping").help("pass a mapping: --vars '{lookback_days: 7}'")),
    }
}
