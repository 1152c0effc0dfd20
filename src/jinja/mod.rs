//! The Jinja environment: one minijinja `Environment` per run, holding every model, test and
//! macro template (compiled once), mozt's built-in cross-database macros, and the functions
//! dbt users know (ref, source, config, var, env_var, target, this, ...).

pub(crate) mod builtins;
pub(crate) mod functions;
pub(crate) mod macro_text;
pub(crate) mod objects;
pub(crate) mod prerender;
pub(crate) mod scope;

use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::error::{Error, Location, Result};
use crate::project::{SourceFile, Target};
use objects::{ConfigObj, MacroFn, RETURN_MARKER};
pub(crate) use scope::{Mode, Scope};

pub struct JinjaEnv {
    pub env: Environment<'static>,
    /// Macro name -> template that defines it (later definitions override earlier ones).
    macros: BTreeMap<String, String>,
    /// Project vars with `--vars` laid over them (what `var()` reads).
    pub vars: Arc<serde_json::Map<String, serde_json::Value>>,
    /// Macro file template -> hash of its text (what partial parsing checks).
    macro_hashes: HashMap<String, String>,
    /// Macro files whose text captures output (see `prerender::captures_output`).
    macro_captures: HashSet<String>,
    /// Model and test templates, compiled on first use by the environment's loader, so that
    /// parallel renders compile them in parallel and reused parses never compile them.
    sources: Arc<RwLock<crate::hash::FastMap<String, Arc<str>>>>,
}

impl JinjaEnv {
    /// Build the environment with built-in and project macros. `vars` are project vars with
    /// `--vars` already laid over them.
    pub fn new(
        macro_files: &[SourceFile],
        target: &Target,
        vars: serde_json::Map<String, serde_json::Value>,
    ) -> Result<JinjaEnv> {
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
        env.add_function("ref", functions::ref_fn);
        env.add_function("source", functions::source_fn);
        env.add_function("env_var", functions::env_var);
        env.add_function("is_incremental", functions::is_incremental);
        env.add_function("return", functions::return_fn);
        env.add_function("log", functions::log);
        let vars = Arc::new(vars);
        env.add_global("var", Value::from_object(functions::VarFn(vars.clone())));
        env.add_global("config", Value::from_object(ConfigObj));
        env.add_global("exceptions", Value::from_object(functions::Exceptions));
        env.add_global("target", crate::jinja::to_value(target.public()));
        env.add_global("mozt_version", Value::from(env!("CARGO_PKG_VERSION")));
        env.add_global("run_started_at", Value::from(chrono::Utc::now().to_rfc3339()));

        let sources: Arc<RwLock<crate::hash::FastMap<String, Arc<str>>>> = Arc::default();
        let lookup = sources.clone();
        env.set_loader(move |name| {
            Ok(lookup
                .read()
                .ok()
                .and_then(|m| m.get(name).map(|text| text.to_string())))
        });
        let mut this = JinjaEnv {
            env,
            macros: BTreeMap::new(),
            vars,
            macro_hashes: HashMap::new(),
            macro_captures: HashSet::new(),
            sources,
        };
        for (name, text) in builtins::FILES {
            this.add_macro_file(name, text)?;
        }
        for f in macro_files {
            this.add_macro_file(&path_name(&f.path), &f.text)?;
        }
        Ok(this)
    }

    fn add_macro_file(&mut self, name: &str, text: &str) -> Result<()> {
        let converted = convert_test_blocks(text);
        let names = macro_names(&converted);
        let hash = crate::hash::sha256_hex(converted.as_bytes());
        self.macro_hashes.insert(name.to_string(), hash);
        if prerender::captures_output(&converted) {
            self.macro_captures.insert(name.to_string());
        } else {
            self.macro_captures.remove(name);
        }
        let text_for_error = converted.clone();
        self.env
            .add_template_owned(name.to_string(), converted)
            .map_err(|e| jinja_error(&e, name, Some(&text_for_error)))?;
        for m in names {
            self.macros.insert(m.clone(), name.to_string());
            self.env.add_global(
                m.clone(),
                Value::from_object(MacroFn {
                    template: name.to_string(),
                    name: m,
                }),
            );
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
        self.env.get_template(name).ok().map(|t| t.source().to_string())
    }

    /// The hash of the text of the file that defines macro `name`.
    pub fn macro_file_hash(&self, name: &str) -> Option<&str> {
        self.macros
            .get(name)
            .and_then(|t| self.macro_hashes.get(t))
            .map(String::as_str)
    }

    /// Whether the file defining macro `name` captures output (see `prerender`).
    pub fn macro_captures_output(&self, name: &str) -> bool {
        self.macros.get(name).is_some_and(|t| self.macro_captures.contains(t))
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

    /// Every macro name with the template that defines it, sorted by name.
    pub fn macro_templates(&self) -> impl Iterator<Item = (&str, &str)> {
        self.macros.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    pub fn has_macro(&self, name: &str) -> bool {
        self.macros.contains_key(name)
    }

    /// The template that defines a macro, and that template's source text.
    pub fn macro_source(&self, name: &str) -> Option<(String, String)> {
        let template = self.macros.get(name)?;
        let source = self.env.get_template(template).ok()?.source().to_string();
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
        let (result, scope) = scope::with_scope(scope, || self.env.render_named_str(name, &text, ctx));
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

    /// Render a string that is not a file (a hook, an inline query), named for error messages.
    pub fn render_str(&self, name: &str, text: &str, ctx: Value, scope: Scope) -> (Result<String>, Scope) {
        let (result, scope) = scope::with_scope(scope, || self.env.render_named_str(name, text, ctx));
        (result.map_err(|e| jinja_error(&e, name, Some(text))), scope)
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

fn jinja_error(err: &minijinja::Error, file: &str, source: Option<&str>) -> Error {
    let detail = err.detail().unwrap_or("");
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
        let Some(end) = tag.find("%}") else {
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
        let t = convert_test_blocks("{% test is_even(model, column_name) %}select 1{% endtest %}");
        assert_eq!(t, "{% macro test_is_even(model, column_name) %}select 1{% endmacro %}");
        let t = convert_test_blocks("{%- test x(model) -%}\n{{ 1 }}\n{%- endtest -%}");
        assert_eq!(t, "{%- macro test_x(model) -%}\n{{ 1 }}\n{%- endmacro -%}");
    }
}
