//! The state of one render: which node is being rendered, what it has called so far (refs,
//! sources, configs), and how refs resolve. Kept per thread, so renders run in parallel.

use serde_json::{Map, Value};
use std::cell::RefCell;
use std::sync::Arc;

pub(crate) use crate::manifest::render::RefCall;
use crate::relation::Relation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Record ref/source/config calls; no relation is known yet.
    Parse,
    /// Resolve ref/source to real relations.
    Compile,
}

/// Answers ref() and source() while compiling.
pub trait Resolver: Send + Sync {
    fn resolve_ref(&self, package: Option<&str>, name: &str) -> Result<Relation, String>;
    fn resolve_source(&self, source: &str, table: &str) -> Result<Relation, String>;
}

#[derive(Default, Clone)]
pub struct Recorded {
    pub refs: Vec<RefCall>,
    pub sources: Vec<(String, String)>,
    /// Configs set with `{{ config(...) }}`, in call order.
    pub config: Map<String, Value>,
    pub env_vars: Vec<String>,
    pub vars: Vec<String>,
    /// Project and built-in macros called by name (for partial parsing).
    pub macros: Vec<String>,
}

pub struct Scope {
    pub mode: Mode,
    pub resolver: Option<Arc<dyn Resolver>>,
    /// The node's config as known so far (for `config.get`).
    pub config: Map<String, Value>,
    pub is_incremental: bool,
    pub recorded: Recorded,
    /// Value passed to `return()` inside a macro, picked up by the macro call.
    pub returned: Option<minijinja::Value>,
    /// Vars that win over the project's (a unit test's `overrides: {vars: ...}`).
    pub var_overrides: Map<String, Value>,
    /// Set in a parse render whose text may be reused by compile (see `prerender`).
    pub pending: Option<super::prerender::Pending>,
    /// A finished parse render's reusable text.
    pub prerender: Option<Arc<super::prerender::Prerender>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// Run `f` with `scope` installed for this thread; gives the scope back afterwards.
pub(crate) fn with_scope<T>(scope: Scope, f: impl FnOnce() -> T) -> (T, Scope) {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(scope));
    let out = f();
    let scope = CURRENT.with(|c| {
        let mut slot = c.borrow_mut();
        let mine = slot.take();
        *slot = previous;
        mine
    });
    let scope = scope.unwrap_or_else(|| Scope::new(Mode::Parse));
    (out, scope)
}

/// Access the current scope, if a render is under way on this thread.
pub(crate) fn current<T>(f: impl FnOnce(Option<&mut Scope>) -> T) -> T {
    CURRENT.with(|c| f(c.borrow_mut().as_mut()))
}

impl Scope {
    pub fn new(mode: Mode) -> Scope {
        Scope {
            mode,
            resolver: None,
            config: Map::new(),
            is_incremental: false,
            recorded: Recorded::default(),
            returned: None,
            var_overrides: Map::new(),
            pending: None,
            prerender: None,
        }
    }
}

impl Resolver for crate::manifest::Manifest {
    fn resolve_ref(&self, package: Option<&str>, name: &str) -> Result<Relation, String> {
        self.ref_relation(package, name).map(std::borrow::Cow::into_owned)
    }

    fn resolve_source(&self, source: &str, table: &str) -> Result<Relation, String> {
        self.source(source, table)
            .map(|s| s.relation.clone())
            .ok_or_else(|| format!("source('{source}', '{table}') is not declared in any schema YAML file"))
    }
}
