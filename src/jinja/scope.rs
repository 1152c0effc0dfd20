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
    /// `ref([package,] name)` called in a node of package `caller` (None: the root project).
    fn resolve_ref(&self, caller: Option<&str>, package: Option<&str>, name: &str) -> Result<Relation, String>;
    fn resolve_source(&self, source: &str, table: &str) -> Result<Relation, String>;
    /// Whether `relation`, from a ref or source, reads as a zero-row subquery (`--empty`).
    fn reads_empty(&self, _relation: &Relation) -> bool {
        false
    }
    /// `graph`: `{nodes: {unique_id: node}, sources: {unique_id: source}}`.
    fn graph(&self) -> Value {
        serde_json::json!({ "nodes": {}, "sources": {} })
    }
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
    /// The template looked at the warehouse (`run_query`, `statement`, `execute`,
    /// `adapter.get_columns_in_relation`, ...): it is rendered again at run time against the
    /// live connection (see `warehouse`).
    pub introspects: bool,
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
    /// The installed package whose node is rendered (None: the root project's), for `ref()`.
    pub package: Option<String>,
    /// Set in a parse render whose text may be reused by compile (see `prerender`).
    pub pending: Option<super::prerender::Pending>,
    /// A finished parse render's reusable text.
    pub prerender: Option<Arc<super::prerender::Prerender>>,
    /// The warehouse connection of a run-time render; None at parse and compile, where
    /// `execute` is false and introspection answers empty (see `warehouse`).
    pub live: Option<super::warehouse::Live>,
    /// `{% call statement('name') %}` results, for `load_result('name')`.
    pub results: std::collections::HashMap<String, minijinja::Value>,
    /// How many macro calls are under way (bounded, see `objects::MacroFn`).
    pub macro_depth: usize,
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
            package: None,
            pending: None,
            prerender: None,
            live: None,
            results: std::collections::HashMap::new(),
            macro_depth: 0,
        }
    }
}

impl Resolver for crate::manifest::Manifest {
    fn resolve_ref(&self, caller: Option<&str>, package: Option<&str>, name: &str) -> Result<Relation, String> {
        self.ref_relation(caller, package, name)
            .map(std::borrow::Cow::into_owned)
    }

    fn reads_empty(&self, relation: &Relation) -> bool {
        crate::manifest::reads_empty(self, relation)
    }

    fn resolve_source(&self, source: &str, table: &str) -> Result<Relation, String> {
        self.source(source, table)
            .map(|s| s.relation.clone())
            .ok_or_else(|| format!("source('{source}', '{table}') is not declared in any schema YAML file"))
    }

    fn graph(&self) -> Value {
        let relation_keys = |m: &mut Map<String, Value>, r: Option<&Relation>| {
            m.insert("database".into(), r.and_then(|r| r.database.clone()).into());
            m.insert("schema".into(), r.map(|r| r.schema.clone()).into());
            m.insert("alias".into(), r.map(|r| r.identifier.clone()).into());
            m.insert("relation_name".into(), r.map(|r| r.to_string()).into());
        };
        let mut nodes = Map::new();
        for node in &self.nodes {
            let Ok(Value::Object(mut m)) = serde_json::to_value(node) else {
                continue;
            };
            m.insert("depends_on".into(), serde_json::json!({ "nodes": node.depends_on }));
            m.insert("raw_code".into(), Value::from(node.raw_code.as_ref()));
            m.insert(
                "tags".into(),
                node.config.get("tags").cloned().unwrap_or(Value::Array(vec![])),
            );
            relation_keys(&mut m, node.relation.as_ref());
            nodes.insert(node.unique_id.clone(), Value::Object(m));
        }
        let mut sources = Map::new();
        for source in &self.sources {
            let Ok(Value::Object(mut m)) = serde_json::to_value(source) else {
                continue;
            };
            m.insert("resource_type".into(), Value::from("source"));
            m.insert("identifier".into(), Value::from(source.relation.identifier.clone()));
            relation_keys(&mut m, Some(&source.relation));
            sources.insert(source.unique_id.clone(), Value::Object(m));
        }
        serde_json::json!({ "nodes": nodes, "sources": sources })
    }
}

/// `graph`: the project's nodes and sources, known from compile on (empty at parse, where
/// reading it makes compile render the node again).
#[derive(Debug)]
pub(crate) struct GraphObj;

impl minijinja::value::Object for GraphObj {
    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let key = key.as_str()?;
        if !matches!(key, "nodes" | "sources" | "exposures" | "metrics") {
            return None;
        }
        let graph = current(|s| {
            let s = s?;
            if let Some(p) = s.pending.as_mut() {
                p.tainted = true;
            }
            s.resolver.clone()
        })
        .map(|r| r.graph());
        let part = graph.and_then(|mut g| g.get_mut(key).map(Value::take));
        Some(crate::jinja::to_value(part.unwrap_or(Value::Object(Map::new()))))
    }
}
