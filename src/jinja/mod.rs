//! The Jinja environment: one minijinja `Environment` per run, holding every model, test and
//! macro template (compiled once), mozt's built-in cross-database macros, and the functions
//! dbt users know (ref, source, config, var, env_var, target, this, ...).

pub(crate) mod adapter_obj;
pub(crate) mod builtins;
pub(crate) mod functions;
pub(crate) mod globals;
pub(crate) mod macro_text;
pub(crate) mod mutable;
pub(crate) mod namespace;
pub(crate) mod objects;
pub(crate) mod packages;
pub(crate) mod prerender;
pub(crate) mod scope;
pub(crate) mod warehouse;

use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::error::{Error, Location, Result};
use crate::project::template_depth as depth;
use crate::project::{SourceFile, Target};
use objects::{ConfigObj, RETURN_MARKER};
pub(crate) use packages::Packages;
pub(crate) use scope::{Mode, Scope};

pub struct JinjaEnv {
    pub env: Environment<'static>,
    /// Macro name -> template that defines it (later definitions override earlier ones).
    macros: BTreeMap<String, String>,
    /// `package.name` -> template, for every macro of every package (built-in ones are the
    /// package `dbt`, the root project's the package of its name).
    qualified: BTreeMap<String, String>,
    /// Packages, namespaces and dispatch orders, as the objects templates see them.
    registry: namespace::Shared,
    /// Macro file template -> its text as written (the environment holds it with the macro
    /// names hidden, see `hide_macro_names`).
    macro_texts: HashMap<String, Arc<str>>,
    /// Project vars with `--vars` laid over them (what `var()` reads).
    pub vars: Arc<serde_json::Map<String, serde_json::Value>>,
    /// Macro file template -> hash of its text (what partial parsing checks).
    macro_hashes: HashMap<String, String>,
    /// Macro files whose text captures output (see `prerender::captures_output`).
    macro_captures: HashSet<String>,
    /// Model and test templates, compiled on first use by the environment's loader, so that
    /// parallel renders compile them in parallel and reused parses never compile them.
    sources: Arc<RwLock<crate::hash::FastMap<String, Arc<str>>>>,
    /// Macro name -> its parameters, read from its text when first asked (every generic test
    /// checks its arguments against its macro's).
    params: RwLock<HashMap<String, Option<Arc<macro_text::MacroParams>>>>,
}

/// A minijinja environment set up as dbt templates expect: lenient undefined values, no
/// escaping, trailing newlines kept, Python's string and dict methods, placeholders printed as
/// themselves.
fn configured_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_recursion_limit(200);
    // Placeholders of a parse render print as themselves only when printed straight.
    env.set_formatter(|out, state, value| match prerender::direct_output(value) {
        Some(text) => out
            .write_str(&text)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())),
        None => minijinja::escape_formatter(out, state, value),
    });
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env
}

/// dbt's context: `ref`, `source`, `var`, `config`, `target`, the introspective functions and
/// the helpers templates call.
fn add_dbt_context(
    env: &mut Environment<'static>,
    target: &Target,
    vars: &Arc<serde_json::Map<String, serde_json::Value>>,
) {
    env.add_function("ref", functions::ref_fn);
    env.add_function("source", functions::source_fn);
    env.add_function("env_var", functions::env_var);
    env.add_function("is_incremental", functions::is_incremental);
    env.add_function("return", functions::return_fn);
    env.add_function("log", functions::log);
    env.add_function("print", functions::print);
    env.add_global("var", Value::from_object(functions::VarFn(vars.clone())));
    env.add_global("config", Value::from_object(ConfigObj));
    env.add_global("exceptions", Value::from_object(functions::Exceptions));
    env.add_global("target", crate::jinja::to_value(target.public()));
    env.add_global("mozt_version", Value::from(env!("CARGO_PKG_VERSION")));
    env.add_global("run_started_at", globals::run_started_at());
    env.add_global("invocation_id", Value::from(globals::invocation_id()));
    env.add_global("execute", Value::from_object(warehouse::Execute));
    env.add_function("run_query", warehouse::run_query);
    env.add_function("load_result", warehouse::load_result);
    env.add_global("statement", Value::from_object(warehouse::Statement));
    env.add_function(mutable::WRAP, mutable::mutable);
    env.add_function(mutable::NAMESPACE, mutable::namespace);
    env.add_function("zip", globals::zip);
    env.add_function("set", globals::set);
    env.add_function("tojson", globals::tojson);
    env.add_function("fromjson", globals::fromjson);
    env.add_function("toyaml", globals::toyaml);
    env.add_function("fromyaml", globals::fromyaml);
    env.add_function("local_md5", globals::local_md5);
    env.add_global("modules", Value::from_object(globals::Modules));
    env.add_global("builtins", Value::from_object(globals::Builtins));
    env.add_global("flags", Value::from_object(globals::Flags::default()));
    env.add_global("graph", Value::from_object(scope::GraphObj));
    env.add_global("api", Value::from_object(adapter_obj::Api { kind: target.kind }));
}

impl JinjaEnv {
    /// Build the environment with built-in and project macros. `vars` are project vars with
    /// `--vars` already laid over them.
    pub fn new(
        macro_files: &[SourceFile],
        target: &Target,
        vars: serde_json::Map<String, serde_json::Value>,
    ) -> Result<JinjaEnv> {
        JinjaEnv::with_packages(macro_files, &Packages::default(), target, vars)
    }

    /// `new`, with the macros of installed packages under their namespaces and the root
    /// project's name and `dispatch:` order (see `namespace`).
    pub(crate) fn with_packages(
        macro_files: &[SourceFile],
        packages: &Packages,
        target: &Target,
        vars: serde_json::Map<String, serde_json::Value>,
    ) -> Result<JinjaEnv> {
        let mut env = configured_environment();
        let vars = Arc::new(vars);
        add_dbt_context(&mut env, target, &vars);

        let sources: Arc<RwLock<crate::hash::FastMap<String, Arc<str>>>> = Arc::default();
        let lookup = sources.clone();
        env.set_loader(move |name| {
            let text = lookup
                .read()
                .ok()
                .and_then(|m| m.get(name).map(|text| text.to_string()));
            refuse_too_deep(text.as_deref().unwrap_or_default())?;
            Ok(text.map(|t| mutable::rewrite_sets(&t).unwrap_or(t)))
        });
        let registry = namespace::Registry {
            root: packages.root.clone(),
            adapter: target.jinja_type().as_str().to_string(),
            dispatch: packages.dispatch.iter().cloned().collect(),
            ..Default::default()
        };
        let mut this = JinjaEnv {
            env,
            macros: BTreeMap::new(),
            qualified: BTreeMap::new(),
            registry: Arc::new(RwLock::new(registry)),
            macro_texts: HashMap::new(),
            vars,
            macro_hashes: HashMap::new(),
            macro_captures: HashSet::new(),
            sources,
            params: RwLock::default(),
        };
        for (name, text) in builtins::FILES {
            this.add_macro_file(name, text, namespace::DBT, true)?;
        }
        for package in &packages.packages {
            for f in &package.files {
                this.add_macro_file(&path_name(&f.path), &f.text, &package.name, false)?;
            }
        }
        for f in macro_files {
            this.add_macro_file(&path_name(&f.path), &f.text, &packages.root, true)?;
        }
        let adapter = adapter_obj::AdapterObj {
            registry: this.registry.clone(),
            kind: target.kind,
            type_name: target.jinja_type(),
        };
        this.env.add_global("adapter", Value::from_object(adapter));
        let names = std::iter::once(namespace::DBT)
            .chain(packages.packages.iter().map(|p| p.name.as_str()))
            .chain(Some(packages.root.as_str()).filter(|r| !r.is_empty()));
        for package in names {
            let ns = namespace::Namespace {
                registry: this.registry.clone(),
                package: package.to_string(),
            };
            this.env.add_global(package.to_string(), Value::from_object(ns));
        }
        Ok(this)
    }

    /// The root project's `dispatch:` orders, sorted by namespace (what partial parsing
    /// compares: a new order can change what every dispatching macro renders).
    pub fn dispatch_orders(&self) -> Vec<(String, Vec<String>)> {
        let mut orders: Vec<(String, Vec<String>)> = self
            .registry
            .read()
            .map(|r| r.dispatch.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        orders.sort();
        orders
    }

    /// `doc('name')` (or `doc('package', 'name')`): the text of a `{% docs %}` block, as in a
    /// description; a name with no block is an error, as in dbt. The text can change without
    /// the template changing, so a render that calls it is not reused (`prerender`).
    pub(crate) fn set_doc_blocks(&mut self, blocks: crate::project::doc_blocks::DocBlocks) {
        let blocks = Arc::new(blocks);
        self.env.add_function(
            "doc",
            move |args: minijinja::value::Rest<String>| -> std::result::Result<String, minijinja::Error> {
                prerender::taint();
                let name = match args.as_slice() {
                    [name] | [_, name] => name,
                    _ => {
                        return Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            "doc() takes a docs block's name, or a package and a name",
                        ));
                    }
                };
                blocks.text(name).map(str::to_string).ok_or_else(|| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("doc('{name}'): no {{% docs {name} %}} block in the project's .md files"),
                    )
                })
            },
        );
    }

    /// Set `flags` (how the command was invoked) for the renders that follow.
    pub(crate) fn set_flags(&mut self, flags: globals::Flags) {
        self.env.add_global("flags", Value::from_object(flags));
    }

    /// Add a macro file of `package`; `global`: its macros are also callable by bare name.
    fn add_macro_file(&mut self, name: &str, text: &str, package: &str, global: bool) -> Result<()> {
        if let Ok(known) = self.params.get_mut() {
            known.clear();
        }
        let text = match global {
            true => std::borrow::Cow::Borrowed(text),
            false => macro_text::lenient_prints(text),
        };
        let converted = convert_test_blocks(&text);
        let names = macro_names(&converted);
        let hash = crate::hash::sha256_hex(converted.as_bytes());
        self.macro_hashes.insert(name.to_string(), hash);
        if prerender::captures_output(&converted) {
            self.macro_captures.insert(name.to_string());
        } else {
            self.macro_captures.remove(name);
        }
        if depth::too_deep(&converted).is_some() {
            return Err(too_deep_error(name, &converted));
        }
        // Given to minijinja only: the text kept (macro_texts) keeps the signatures as written,
        // which the generic-test argument check reads.
        let params = match global {
            true => std::borrow::Cow::Borrowed(converted.as_str()),
            false => macro_text::optional_params(&converted),
        };
        let hidden = hide_macro_names(&params);
        let hidden = mutable::wrap_sets(&hidden);
        self.env
            .add_template_owned(name.to_string(), hidden)
            .map_err(|e| jinja_error(&e, name, Some(&converted)))?;
        self.macro_texts.insert(name.to_string(), converted.into());
        let mut registry = self
            .registry
            .write()
            .map_err(|_| Error::runtime("the macro registry was poisoned by a panic"))?;
        for m in names {
            registry.add(package, &m, name, global);
            self.qualified.insert(format!("{package}.{m}"), name.to_string());
            // A package's macro is callable by its bare name too (its own models call it so)
            // unless a built-in has that name; the root's macros, added last, override it.
            if global || !self.macros.contains_key(&m) {
                self.macros.insert(m.clone(), name.to_string());
                self.env
                    .add_global(m.clone(), namespace::macro_value(&self.registry, None, &m, name));
            }
        }
        Ok(())
    }

    /// Add a template (a model, a test) under its relative path as name. It is compiled when
    /// first rendered; a syntax error is reported then.
    pub fn add_template(&mut self, name: &str, text: impl Into<Arc<str>>) -> Result<()> {
        self.add_templates([(name.to_string(), text.into())]);
        Ok(())
    }

    /// `add_template` for many templates at once (name, text), under one lock.
    pub fn add_templates(&mut self, templates: impl IntoIterator<Item = (String, Arc<str>)>) {
        let mut sources = self.sources.write().ok();
        let templates = templates.into_iter();
        if let Some(map) = sources.as_mut() {
            map.reserve(templates.size_hint().0);
        }
        for (name, text) in templates {
            // A name seen before may have a compiled template in the environment, to drop; a
            // new one (every test of a parse) cannot.
            let new =
                sources.as_ref().is_some_and(|map| !map.contains_key(&name)) && !self.macro_hashes.contains_key(&name);
            if !new {
                self.env.remove_template(&name);
            }
            if let Some(map) = sources.as_mut() {
                map.insert(name, text);
            }
        }
    }

    /// The text of a template added with `add_template`, or of a macro file.
    pub fn template_source(&self, name: &str) -> Option<String> {
        if let Some(text) = self.sources.read().ok().and_then(|m| m.get(name).cloned()) {
            return Some(text.to_string());
        }
        if let Some(text) = self.macro_texts.get(name) {
            return Some(text.to_string());
        }
        self.env.get_template(name).ok().map(|t| t.source().to_string())
    }

    /// The template defining macro `name` (bare, or `package.name`).
    fn macro_template(&self, name: &str) -> Option<&String> {
        self.macros.get(name).or_else(|| self.qualified.get(name))
    }

    /// The hash of the text of the file that defines macro `name`.
    pub fn macro_file_hash(&self, name: &str) -> Option<&str> {
        self.macro_template(name)
            .and_then(|t| self.macro_hashes.get(t))
            .map(String::as_str)
    }

    /// Whether the file defining macro `name` captures output (see `prerender`).
    pub fn macro_captures_output(&self, name: &str) -> bool {
        self.macro_template(name)
            .is_some_and(|t| self.macro_captures.contains(t))
    }

    /// Whether a template added with `add_template` captures output (see `prerender`); true
    /// when it is not known.
    pub fn template_captures_output(&self, name: &str) -> bool {
        self.sources
            .read()
            .ok()
            .and_then(|m| m.get(name).map(|text| prerender::captures_output(text)))
            .unwrap_or(true)
    }

    /// Every macro name (bare, then `package.name`) with the template that defines it.
    pub fn macro_templates(&self) -> impl Iterator<Item = (&str, &str)> {
        self.macros
            .iter()
            .chain(&self.qualified)
            .map(|(n, t)| (n.as_str(), t.as_str()))
    }

    pub fn has_macro(&self, name: &str) -> bool {
        self.macro_template(name).is_some()
    }

    /// The parameters of macro `name` (bare, or `package.name`) as its file writes them.
    pub(crate) fn macro_params(&self, name: &str) -> Option<Arc<macro_text::MacroParams>> {
        if let Some(known) = self.params.read().ok().and_then(|m| m.get(name).cloned()) {
            return known;
        }
        let text = self.macro_texts.get(self.macro_template(name)?)?;
        let bare = name.rsplit('.').next().unwrap_or(name);
        let found = macro_text::macro_params(text, bare).map(Arc::new);
        if let Ok(mut known) = self.params.write() {
            known.insert(name.to_string(), found.clone());
        }
        found
    }

    /// The template that defines a macro, and that template's source text.
    pub fn macro_source(&self, name: &str) -> Option<(String, String)> {
        let template = self.macro_template(name)?;
        let source = self.macro_texts.get(template)?.to_string();
        Some((template.clone(), source))
    }

    /// Every macro name (built-in and the project's).
    pub fn macro_names(&self) -> impl Iterator<Item = &str> {
        self.macros.keys().map(String::as_str)
    }

    /// True when the macro is mozt's own (not overridden by the project).
    pub fn macro_is_builtin(&self, name: &str) -> bool {
        self.macros.get(name).is_some_and(|t| t.starts_with(builtins::PREFIX))
    }

    /// Render a template added before, with the given scope installed; returns the scope too.
    pub fn render(&self, name: &str, ctx: Value, scope: Scope) -> (Result<String>, Scope) {
        let (result, scope) = scope::with_scope(scope, || {
            let tmpl = self.env.get_template(name)?;
            tmpl.render(ctx)
        });
        (result.map_err(|e| self.error(&e, name)), scope)
    }

    /// Render a template added with `add_template` without keeping its compiled form: parse
    /// renders, whose text compile reuses (see `prerender`), so most templates are compiled
    /// once and dropped instead of held for the whole run.
    pub fn render_once(&self, name: &str, ctx: Value, scope: Scope) -> (Result<String>, Scope) {
        let Some(text) = self.sources.read().ok().and_then(|m| m.get(name).cloned()) else {
            return self.render(name, ctx, scope);
        };
        let (result, scope) = scope::with_scope(scope, || {
            refuse_too_deep(&text)?;
            self.render_text(name, &text, ctx)
        });
        (result.map_err(|e| self.error(&e, name)), scope)
    }

    /// Like `render`, also returning which template text produced each range of the output
    /// (used to point a SQL error in compiled output back at the model file). None on error.
    pub fn render_spans(&self, name: &str, ctx: Value, scope: Scope) -> Option<(String, Vec<minijinja::OutputSpan>)> {
        let (result, _) = scope::with_scope(scope, || {
            let tmpl = self.env.get_template(name)?;
            tmpl.render_with_spans(ctx)
        });
        result.ok()
    }

    /// Render template text that is not kept compiled, with its changing methods made to work
    /// (see `mutable`).
    fn render_text(&self, name: &str, text: &str, ctx: Value) -> std::result::Result<String, minijinja::Error> {
        match mutable::rewrite_sets(text) {
            Some(rewritten) => self.env.render_named_str(name, &rewritten, ctx),
            None => self.env.render_named_str(name, text, ctx),
        }
    }

    /// Render a string that is not a file (a hook, an inline query), named for error messages.
    pub fn render_str(&self, name: &str, text: &str, ctx: Value, scope: Scope) -> (Result<String>, Scope) {
        let (result, scope) = scope::with_scope(scope, || {
            refuse_too_deep(text)?;
            self.render_text(name, text, ctx)
        });
        (result.map_err(|e| jinja_error(&e, name, Some(text))), scope)
    }

    /// The macro a name leads to outside any template: a bare name (the root project's macros
    /// over the built-in ones) or `package.name`.
    pub fn macro_value(&self, name: &str) -> Option<Value> {
        let registry = self.registry.read().ok()?;
        let (package, bare) = match name.split_once('.') {
            Some((p, m)) => (Some(p), m),
            None => (None, name),
        };
        let template = registry.find(package, bare)?;
        Some(namespace::macro_value(&self.registry, package, bare, template))
    }

    /// Call macro `name` (bare or `package.name`) with keyword arguments, outside any
    /// template, with `scope` installed (`mozt run-operation`).
    pub fn call_macro_kwargs(
        &self,
        name: &str,
        kwargs: serde_json::Map<String, serde_json::Value>,
        scope: Scope,
    ) -> (Result<Value>, Scope) {
        let Some(f) = self.macro_value(name) else {
            let known = self.macros.keys().chain(self.qualified.keys()).map(String::as_str);
            let hints = crate::suggest::closest(name, known);
            let mut e = Error::project(format!("no macro named {name}"));
            e = e.help(match hints.is_empty() {
                true => "macros come from {% macro %} blocks in macros/ or in an installed package".to_string(),
                false => format!("did you mean {}?", hints.join(", ")),
            });
            return (Err(e), scope);
        };
        let kwargs: minijinja::value::Kwargs = kwargs.into_iter().map(|(k, v)| (k, to_value(v))).collect();
        let (result, scope) = scope::with_scope(scope, || {
            let mut state = self.env.empty_state();
            f.call(&mut state, &[Value::from(kwargs)])
        });
        let template = self.macro_template(name).cloned().unwrap_or_else(|| name.to_string());
        (result.map_err(|e| self.error(&e, &template)), scope)
    }

    /// Call a macro by name outside any template (e.g. generate_schema_name).
    pub fn call_macro(&self, name: &str, args: &[Value], scope: Scope) -> (Result<Value>, Scope) {
        let (result, scope) = scope::with_scope(scope, || {
            let f = self
                .env
                .globals()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    minijinja::Error::new(minijinja::ErrorKind::UnknownFunction, format!("no macro named {name}"))
                })?;
            let mut state = self.env.empty_state();
            f.call(&mut state, args)
        });
        let template = self.macros.get(name).cloned().unwrap_or_default();
        (result.map_err(|e| self.error(&e, &template)), scope)
    }

    /// A located project error from a minijinja error.
    pub fn error(&self, err: &minijinja::Error, fallback: &str) -> Error {
        let name = err.name().unwrap_or(fallback);
        let source = self.template_source(name);
        let mut e = jinja_error(err, name, source.as_deref());
        if err.kind() == minijinja::ErrorKind::UnknownFunction {
            let wanted = err
                .detail()
                .unwrap_or("")
                .split([' ', '`'])
                .find(|w| !w.is_empty())
                .unwrap_or("");
            // Test macros (test_not_null, ...) are for YAML tests, not for models.
            let candidates = self
                .macros
                .keys()
                .map(String::as_str)
                .filter(|m| !m.starts_with("test_"));
            let hints = crate::suggest::closest(wanted, candidates);
            e = e.help(if hints.is_empty() {
                "macros come from {% macro %} blocks in .sql files under macros/; check the name".to_string()
            } else {
                format!(
                    "did you mean {}? (macros come from .sql files under macros/)",
                    hints.join(", ")
                )
            });
        }
        if name != fallback && !fallback.is_empty() {
            let where_ = format!("raised in {name}, called from {fallback}");
            let help = match e.help.take() {
                Some(h) => format!("{h}\n  note: {where_}"),
                None => where_,
            };
            e = e.help(help);
        }
        e
    }
}

/// Any serializable value as a template value.
pub(crate) fn to_value<T: serde::Serialize>(v: T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

/// Template names are relative paths with `/` separators.
pub(crate) fn path_name(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// minijinja's error for a template with an expression too deep to compile safely (see
/// `depth`), before it is given to minijinja.
pub(crate) fn refuse_too_deep(text: &str) -> std::result::Result<(), minijinja::Error> {
    match depth::too_deep(text) {
        Some(_) => Err(minijinja::Error::new(
            minijinja::ErrorKind::SyntaxError,
            depth::TOO_DEEP,
        )),
        None => Ok(()),
    }
}

/// The error for template `file` whose text `source` holds an expression too deep to compile.
fn too_deep_error(file: &str, source: &str) -> Error {
    let help = "split the expression into steps with {% set %}, or build the list with a {% for %} loop";
    match depth::too_deep(source) {
        Some(d) => Error::project(d.message())
            .at(Location::at(file, d.line))
            .with_source_line(source)
            .help(help),
        None => Error::project("a Jinja expression too deep to compile")
            .in_file(file)
            .help(help),
    }
}

fn jinja_error(err: &minijinja::Error, file: &str, source: Option<&str>) -> Error {
    let detail = err.detail().unwrap_or("");
    if detail == depth::TOO_DEEP
        && let Some(source) = source
    {
        return too_deep_error(file, source);
    }
    let message = match err.kind() {
        minijinja::ErrorKind::UndefinedError => {
            let hint = if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            };
            format!("undefined variable or attribute in Jinja{hint}")
        }
        minijinja::ErrorKind::SyntaxError => format!("Jinja syntax error: {detail}"),
        minijinja::ErrorKind::UnknownFunction => format!(
            "unknown function or macro `{}`",
            detail.trim_end_matches(" is unknown").trim_matches('`')
        ),
        minijinja::ErrorKind::InvalidOperation if detail == RETURN_MARKER => {
            "return() used outside a macro".to_string()
        }
        minijinja::ErrorKind::InvalidOperation => detail.to_string(),
        _ if detail.is_empty() => err.kind().to_string(),
        _ => format!("{}: {detail}", err.kind()),
    };
    let mut e = Error::project(message);
    e = match err.line() {
        Some(line) => e.at(Location::at(file, line)),
        None => e.in_file(file),
    };
    if let Some(src) = source {
        e = e.with_source_line(src);
    }
    let help = match err.kind() {
        minijinja::ErrorKind::UndefinedError => {
            Some("check the spelling; variables come from {% set %}, macros in macros/, or var('name')")
        }
        minijinja::ErrorKind::SyntaxError => Some(
            "check the Jinja near this line: every {% if %}, {% for %} and {% macro %} needs its {% end... %}, every {{ its }}",
        ),
        _ if detail.starts_with("required var") => {
            Some("define it under `vars:` in project.yml, pass --vars '{name: value}', or give var() a default")
        }
        _ if detail.starts_with("env var") => {
            Some("set the environment variable, or give env_var() a default: env_var('NAME', 'default')")
        }
        _ => None,
    };
    if let Some(h) = help {
        e = e.help(h);
    }
    e
}

/// What a macro `name` is called inside its template: a macro file defines its macros under
/// these names, so that a bare name in it always leads to the macro object (`MacroFn`, which
/// handles `return()` and package namespaces), never to the template's own definition.
pub(crate) const HIDDEN_PREFIX: &str = "__mozt_macro__";

/// `text` with every `{% macro name(` renamed `{% macro __mozt_macro__name(`.
fn hide_macro_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(idx) = rest.find("{%") {
        out.push_str(&rest[..idx + 2]);
        rest = &rest[idx + 2..];
        let lead = rest.len() - rest.trim_start_matches(['-', '+']).trim_start().len();
        let t = &rest[lead..];
        if let Some(after) = t.strip_prefix("macro")
            && after.starts_with(char::is_whitespace)
        {
            let space = after.len() - after.trim_start().len();
            let head = lead + "macro".len() + space;
            out.push_str(&rest[..head]);
            out.push_str(HIDDEN_PREFIX);
            rest = &rest[head..];
        }
    }
    out.push_str(rest);
    out
}

/// Names of the macros a file defines (`{% macro name(...) %}`).
fn macro_names(text: &str) -> Vec<String> {
    let mut names = vec![];
    let mut rest = text;
    while let Some(idx) = rest.find("{%") {
        rest = &rest[idx + 2..];
        let t = rest.trim_start_matches(['-', '+']).trim_start();
        if let Some(after) = t.strip_prefix("macro")
            && after.starts_with(char::is_whitespace)
        {
            let name: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

/// `{% test name(model, column_name) %}...{% endtest %}` becomes the macro `test_name`.
pub(crate) fn convert_test_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(idx) = rest.find("{%") {
        out.push_str(&rest[..idx]);
        let tag = &rest[idx..];
        // The `%}` that closes the tag comes after its `{%` (in `{%}` they overlap).
        let Some(end) = tag[2..].find("%}").map(|e| e + 2) else {
            out.push_str(tag);
            return out;
        };
        let inner = &tag[2..end];
        let trimmed = inner.trim_start_matches(['-', '+']).trim_start();
        let lead = &inner[..inner.len() - inner.trim_start_matches(['-', '+']).len()];
        if let Some(after) = trimmed.strip_prefix("test")
            && after.starts_with(char::is_whitespace)
        {
            let trail = &inner[inner.trim_end_matches(['-', '+']).len()..];
            out.push_str(&format!(
                "{{%{lead} macro test_{}{trail}%}}",
                after.trim_start().trim_end_matches(['-', '+'])
            ));
        } else if trimmed.trim_end_matches(['-', '+']).trim() == "endtest" {
            let trail = &inner[inner.trim_end_matches(['-', '+']).len()..];
            out.push_str(&format!("{{%{lead} endmacro {trail}%}}"));
        } else {
            out.push_str(&tag[..end + 2]);
        }
        rest = &tag[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_macro_names_and_converts_test_blocks() {
        let text = "{% macro a(x) %}{% endmacro %}\n{%- macro b_2() -%}{%- endmacro %}";
        assert_eq!(macro_names(text), vec!["a", "b_2"]);
        assert_eq!(
            hide_macro_names(text),
            "{% macro __mozt_macro__a(x) %}{% endmacro %}\n{%- macro __mozt_macro__b_2() -%}{%- endmacro %}"
        );
        let t = convert_test_blocks("{% test is_even(model, column_name) %}select 1{% endtest %}");
        assert_eq!(t, "{% macro test_is_even(model, column_name) %}select 1{% endmacro %}");
        let t = convert_test_blocks("{%- test x(model) -%}\n{{ 1 }}\n{%- endtest -%}");
        assert_eq!(t, "{%- macro test_x(model) -%}\n{{ 1 }}\n{%- endmacro -%}");
    }
}
