//! One file per command. `Session` is what every command starts from: the project loaded, the
//! target resolved, the manifest parsed and the DAG built.

pub mod braze;
pub mod clone;
pub mod compile;
pub mod debug;
pub mod deploy;
pub mod docs;
pub mod execute;
pub mod freshness;
pub mod init;
pub mod lineage;
pub mod ls;
pub mod show;

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::cli::{Common, Selection};
use crate::error::{Error, Result};
use crate::graph::{Dag, Key, select, selectors};
use crate::jinja::JinjaEnv;
use crate::manifest::{Manifest, ResourceType};
use crate::project::{Project, Target};

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
    cache_written: crate::manifest::partial::SaveHandle,
}

impl Session {
    pub fn load(common: &Common) -> Result<Session> {
        let started = Instant::now();
        let project = Project::load(&common.project_dir)?;
        tracing::debug!("read the project's files in {:?}", started.elapsed());
        let target = project.resolve_target(common.target.as_deref())?;
        let vars = parse_vars(common.vars.as_deref())?;
        let parsed = crate::manifest::parse::parse(&project, &target, &vars, !common.no_partial_parse)?;
        let dag = Dag::build(&parsed.manifest)?;
        let threads = common.threads.unwrap_or(target.threads).max(1);
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

    pub fn target_dir(&self) -> String {
        self.project.file.target_path.clone()
    }

    /// Read the compiled SQL (syntax, relations, columns), fill in lineage, and fail with every
    /// error found before anything runs.
    pub fn check_sql(
        &self,
        compiled: &mut std::collections::HashMap<usize, crate::compile::Compiled>,
        strict: bool,
        source_columns: &crate::sql::catalog::SourceColumns,
    ) -> Result<crate::sql::Analysis> {
        let target_dir = self.target_dir();
        let input = crate::sql::Input {
            jinja: &self.jinja,
            manifest: &self.manifest,
            root: &self.project.root,
            target_dir: &target_dir,
            target_kind: &self.target.kind,
            strict,
            source_columns,
        };
        crate::sql::check_compiled(&input, compiled)
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
