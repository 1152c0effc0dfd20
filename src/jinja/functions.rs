//! Functions templates call: ref, source, var, env_var, is_incremental, return, log, and
//! exceptions.raise_compiler_error.

use minijinja::value::{Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};
use std::sync::Arc;

use super::objects::{RETURN_MARKER, input_relation, pending_relation};
use super::prerender::Placeholder;
use super::scope::{self, Mode, RefCall};
use crate::relation::Relation;

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// `env_var('NAME')` or `env_var('NAME', 'default')`, recorded for change detection.
pub(crate) fn env_var(name: &str, default: Option<Value>) -> Result<Value, Error> {
    scope::current(|s| {
        if let Some(s) = s {
            s.recorded.env_vars.push(name.to_string());
        }
    });
    crate::project::env::env_var(name, default)
}

pub(crate) fn ref_fn(args: &[Value]) -> Result<Value, Error> {
    let (package, name) = match args {
        [name] => (
            None,
            name.as_str()
                .ok_or_else(|| err("ref() takes a model name as a string"))?,
        ),
        [package, name] => (
            Some(
                package
                    .as_str()
                    .ok_or_else(|| err("ref()'s first argument must be a project name"))?
                    .to_string(),
            ),
            name.as_str()
                .ok_or_else(|| err("ref() takes a model name as a string"))?,
        ),
        _ => return Err(err("ref() takes one argument (a model name), or two (project, model)")),
    };
    scope::current(|s| {
        let Some(s) = s else {
            return Err(err("ref() can only be used in a model, test or macro"));
        };
        match s.mode {
            Mode::Parse => {
                let call = RefCall {
                    package: package.clone(),
                    name: name.to_string(),
                };
                let placeholder = s.pending.as_mut().map(|p| p.add(Placeholder::Ref(call.clone())));
                s.recorded.refs.push(call);
                Ok(pending_relation(Relation::new(None, "__ref__", name), placeholder))
            }
            Mode::Compile => {
                s.recorded.refs.push(RefCall {
                    package: package.clone(),
                    name: name.to_string(),
                });
                let resolver = s.resolver.clone().ok_or_else(|| err("ref() cannot resolve here"))?;
                let rel = resolver
                    .resolve_ref(s.package.as_deref(), package.as_deref(), name)
                    .map_err(err)?;
                Ok(input_relation(&*resolver, rel))
            }
        }
    })
}

pub(crate) fn source_fn(source: &str, table: &str) -> Result<Value, Error> {
    scope::current(|s| {
        let Some(s) = s else {
            return Err(err("source() can only be used in a model, test or macro"));
        };
        match s.mode {
            Mode::Parse => {
                s.recorded.sources.push((source.to_string(), table.to_string()));
                let placeholder = s
                    .pending
                    .as_mut()
                    .map(|p| p.add(Placeholder::Source(source.to_string(), table.to_string())));
                Ok(pending_relation(Relation::new(None, source, table), placeholder))
            }
            Mode::Compile => {
                let resolver = s.resolver.clone().ok_or_else(|| err("source() cannot resolve here"))?;
                let rel = resolver.resolve_source(source, table).map_err(err)?;
                Ok(input_relation(&*resolver, rel))
            }
        }
    })
}

pub(crate) fn is_incremental() -> bool {
    scope::current(|s| {
        let Some(s) = s else { return false };
        if let Some(p) = s.pending.as_mut() {
            p.read_incremental = true;
        }
        s.is_incremental
    })
}

/// `{{ return(value) }}` inside a macro: the macro's value is `value`, not its text.
pub(crate) fn return_fn(value: Value) -> Result<Value, Error> {
    scope::current(|s| {
        if let Some(s) = s {
            s.returned = Some(value);
        }
    });
    Err(Error::new(ErrorKind::InvalidOperation, RETURN_MARKER))
}

/// `print(msg)`: the message on the console, as `log(msg, info=True)` (dbt prints it to
/// stdout).
pub(crate) fn print(msg: Value) -> Result<Value, Error> {
    tracing::info!(target: "mozt::jinja", "{msg}");
    Ok(Value::from(""))
}

/// `log(msg, info=False)`: at info level the message shows on the console.
pub(crate) fn log(msg: Value, info: Option<bool>, kwargs: minijinja::value::Kwargs) -> Result<Value, Error> {
    let info = match info {
        Some(i) => i,
        None => kwargs.get::<Option<bool>>("info")?.unwrap_or(false),
    };
    kwargs.assert_all_used()?;
    if info {
        tracing::info!(target: "mozt::jinja", "{msg}");
    } else {
        tracing::debug!(target: "mozt::jinja", "{msg}");
    }
    Ok(Value::from(""))
}

/// `var('name')`, `var('name', default)` over project vars overlaid with `--vars`.
#[derive(Debug)]
pub(crate) struct VarFn(pub Arc<serde_json::Map<String, serde_json::Value>>);

impl Object for VarFn {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (name, _): (&str, Option<Value>) = minijinja::value::from_args(args)?;
        // `var('x', none)` has a default (none), which Option<Value> would read as absent.
        let default = args.get(1).cloned();
        // A unit test's `overrides: {vars: ...}` win over project vars.
        let overridden = scope::current(|s| {
            s.and_then(|s| {
                s.recorded.vars.push(name.to_string());
                s.var_overrides.get(name).cloned()
            })
        });
        let value = match (overridden.as_ref().or_else(|| self.0.get(name)), default) {
            (Some(v), _) => v,
            (None, Some(d)) => return Ok(d),
            (None, None) => {
                return Err(err(format!(
                    "required var '{name}' is not set, and var('{name}') gives no default"
                )));
            }
        };
        match value {
            serde_json::Value::String(text) if has_jinja(text) => render_var(state, name, text),
            other => Ok(crate::jinja::to_value(other)),
        }
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match method {
            "has_var" => {
                let (name,): (&str,) = minijinja::value::from_args(args)?;
                scope::current(|s| {
                    if let Some(s) = s {
                        s.recorded.vars.push(name.to_string());
                    }
                });
                Ok(Value::from(self.0.contains_key(name)))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

fn has_jinja(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// How deep vars holding Jinja may render each other (`a: "{{ var('b') }}"`): past it, a var
/// that names itself is reported instead of overflowing the stack.
const VAR_RENDER_DEPTH: u32 = 16;

thread_local! {
    static VAR_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// A var's text holding Jinja is rendered where var() is called, as dbt does
/// (`campaign: "{{ source('crm', 'campaign') }}"` gives the source's relation and records it),
/// with the calling node's `this` and `model`.
fn render_var(state: &State<'_, '_>, name: &str, text: &str) -> Result<Value, Error> {
    let depth = VAR_DEPTH.with(|d| d.get());
    if depth >= VAR_RENDER_DEPTH {
        return Err(err(format!(
            "var '{name}' renders vars {VAR_RENDER_DEPTH} deep: does it name itself through another var?"
        )));
    }
    let mut ctx = std::collections::BTreeMap::new();
    for key in ["this", "model"] {
        if let Some(v) = state.lookup(key) {
            ctx.insert(key, v);
        }
    }
    VAR_DEPTH.with(|d| d.set(depth + 1));
    let rendered = state.env().render_str(text, Value::from(ctx));
    VAR_DEPTH.with(|d| d.set(depth));
    rendered.map(Value::from)
}

/// `exceptions.raise_compiler_error(msg)` and `exceptions.warn(msg)`.
#[derive(Debug)]
pub(crate) struct Exceptions;

impl Object for Exceptions {
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        let (msg,): (Value,) = minijinja::value::from_args(args)?;
        match method {
            "raise_compiler_error" => Err(err(msg.to_string())),
            "warn" => {
                tracing::warn!(target: "mozt::jinja", "{msg}");
                Ok(Value::from(""))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}
