//! Objects templates see: relations (`this`, the result of `ref`), `config`, and user macros
//! callable by bare name from any model.

use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};
use std::fmt;
use std::sync::Arc;

use super::prerender;
use super::scope::{self, Mode};
use crate::relation::Relation;

#[derive(Debug, Clone)]
pub(crate) struct RelationObj {
    pub relation: Relation,
    /// In a parse render: the placeholder it prints as (see `prerender`).
    pub placeholder: Option<usize>,
    /// A ref or source under `--empty`: prints as a subquery with no rows.
    pub empty: bool,
}

/// A relation is a mapping, as dbt's Relation is: `relation is mapping` holds and
/// `relation.get('metadata', {}).get('type')` ends in `Relation` (dbt_utils checks its arguments
/// so). Reading its name parts in a parse render taints the render; its metadata does not.
impl Object for RelationObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["database", "schema", "identifier"])
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if key.as_str() == Some("metadata") {
            return Some(Value::from(std::collections::BTreeMap::from([(
                "type",
                "BaseRelation",
            )])));
        }
        if self.placeholder.is_some() {
            prerender::taint();
        }
        let r = &self.relation;
        match key.as_str()? {
            "database" => Some(r.database.clone().map(Value::from).unwrap_or(Value::from(()))),
            "schema" => Some(Value::from(r.schema.clone())),
            "identifier" | "name" | "table" => Some(Value::from(r.identifier.clone())),
            _ => None,
        }
    }
    /// `relation.get(key, default)` (as a mapping's), `relation.render()` (its name in SQL), `relation.include(database=False, ...)` (the
    /// relation without the parts set false), `relation.quote(...)` and `incorporate(...)`
    /// (unchanged: mozt quotes where needed).
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        if method == "get" {
            let (key, default): (Value, Option<Value>) = minijinja::value::from_args(args)?;
            return Ok(self.get_value(&key).or(default).unwrap_or(Value::from(())));
        }
        if self.placeholder.is_some() {
            prerender::taint();
        }
        match method {
            "render" => Ok(Value::from(self.sql())),
            "include" => {
                let (kwargs,): (Kwargs,) = minijinja::value::from_args(args)?;
                let keep = |k: &str| -> Result<bool, Error> { Ok(kwargs.get::<Option<bool>>(k)?.unwrap_or(true)) };
                let mut r = self.relation.clone();
                if !keep("database")? {
                    r.database = None;
                }
                if !keep("schema")? {
                    r.schema = String::new();
                }
                keep("identifier")?;
                Ok(relation_value(r))
            }
            // `incorporate(type='table')` records the relation's kind, which mozt's relations do
            // not carry: the same relation.
            "quote" | "incorporate" => Ok(relation_value(self.relation.clone())),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Printed straight into the output, a placeholder goes through the environment's
        // formatter instead; any other use needs the real name.
        if self.placeholder.is_some() {
            prerender::taint();
        }
        f.write_str(&self.sql())
    }
}

impl RelationObj {
    /// The relation as SQL reads it: its name, or `--empty`'s subquery.
    fn sql(&self) -> String {
        match self.empty {
            true => self.relation.empty_subquery(),
            false => self.relation.to_string(),
        }
    }
}

pub(crate) fn relation_value(r: Relation) -> Value {
    Value::from_object(RelationObj {
        relation: r,
        placeholder: None,
        empty: false,
    })
}

/// What `ref()` and `source()` give at compile: the relation, read empty under `--empty`.
pub(crate) fn input_relation(resolver: &dyn super::scope::Resolver, r: Relation) -> Value {
    Value::from_object(RelationObj {
        empty: resolver.reads_empty(&r),
        relation: r,
        placeholder: None,
    })
}

/// A parse render's relation, printing as placeholder number `placeholder` when it has one.
pub(crate) fn pending_relation(r: Relation, placeholder: Option<usize>) -> Value {
    Value::from_object(RelationObj {
        relation: r,
        placeholder,
        empty: false,
    })
}

/// `model` in a node's context: the node's name, ids, path, fqn and config. Its config is
/// only final at compile, so reading it taints a parse render.
#[derive(Debug)]
pub(crate) struct ModelObj(pub Value);

impl Object for ModelObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        prerender::read_node();
        if key.as_str() == Some("config") {
            prerender::taint();
        }
        self.0.get_item(key).ok().filter(|v| !v.is_undefined())
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        prerender::read_node();
        prerender::taint();
        match self.0.try_iter() {
            Ok(keys) => Enumerator::Values(keys.collect()),
            Err(_) => Enumerator::Empty,
        }
    }
}

/// `config`: callable as `{{ config(materialized='table') }}` and readable as `config.get('x')`.
#[derive(Debug)]
pub(crate) struct ConfigObj;

impl Object for ConfigObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (positional, kwargs): (&[Value], Kwargs) = minijinja::value::from_args(args)?;
        let mut layer = serde_json::Map::new();
        for value in positional {
            // config({'materialized': 'table'}) form.
            let json: serde_json::Value =
                serde_json::to_value(value).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
            if let Some(obj) = json.as_object() {
                layer.extend(obj.clone());
            } else {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "config() takes keyword arguments, e.g. config(materialized='table')",
                ));
            }
        }
        for key in kwargs.args() {
            let v: Value = kwargs.get(key)?;
            let json = serde_json::to_value(&v).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
            layer.insert(key.to_string(), json);
        }
        scope::current(|s| {
            if let Some(s) = s
                && s.mode == Mode::Parse
            {
                crate::project::config::merge_config(&mut s.recorded.config, &layer);
                crate::project::config::merge_config(&mut s.config, &layer);
            }
        });
        Ok(Value::from(""))
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match method {
            "get" | "require" => {
                let (key, default): (&str, Option<Value>) = minijinja::value::from_args(args)?;
                let found = scope::current(|s| {
                    let s = s?;
                    let found = s.config.get(key).filter(|v| !v.is_null()).cloned();
                    if let Some(p) = s.pending.as_mut() {
                        p.config_reads.push((key.to_string(), found.clone()));
                    }
                    found
                });
                match (found, default) {
                    (Some(v), _) => Ok(crate::jinja::to_value(&v)),
                    (_, Some(d)) if method == "get" => Ok(d),
                    _ if method == "get" => Ok(Value::from(())),
                    _ => Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("config '{key}' is required but not set"),
                    )),
                }
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A macro from macros/ (or a built-in one), callable by its bare name from any template.
#[derive(Debug)]
pub(crate) struct MacroFn {
    pub template: String,
    /// When the macro's body reads `kwargs`: its parameters (found at its first call).
    pub kwargs_params: std::sync::OnceLock<Option<Vec<String>>>,
    pub name: String,
    /// The name partial parsing records (`name`, or `package.name` when reached through a
    /// package).
    pub recorded: String,
    /// A package macro's own package, whose macros it sees by bare name (see `namespace`).
    pub locals: Option<Value>,
}

impl Object for MacroFn {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::NonEnumerable
    }
    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        scope::current(|s| {
            if let Some(s) = s
                && !s.recorded.macros.contains(&self.recorded)
            {
                s.recorded.macros.push(self.recorded.clone());
            }
        });
        let tmpl = state.env().get_template(&self.template)?;
        let hidden = format!("{}{}", super::HIDDEN_PREFIX, self.name);
        let params = self
            .kwargs_params
            .get_or_init(|| super::macro_text::kwargs_params(tmpl.source(), &hidden));
        let (args, kwargs) = split_kwargs(args, params.as_deref());
        let ctx = match &self.locals {
            None => minijinja::context! {
                this => state.lookup("this"),
                model => state.lookup("model"),
                kwargs => kwargs,
            },
            Some(locals) => minijinja::context! {
                this => state.lookup("this"),
                model => state.lookup("model"),
                kwargs => kwargs,
                ..locals.clone()
            },
        };
        let mut captured = tmpl.render_captured(ctx)?;
        let saved = scope::current(|s| s.and_then(|s| s.returned.take()));
        let depth = scope::current(|s| {
            s.map(|s| {
                s.macro_depth += 1;
                s.macro_depth
            })
        });
        if depth.is_some_and(|d| d > MAX_MACRO_DEPTH) {
            scope::current(|s| s.map(|s| s.macro_depth -= 1));
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "macro {} calls macros more than {MAX_MACRO_DEPTH} deep (endless recursion?)",
                    self.name
                ),
            ));
        }
        let result = captured.with_state_mut(|macro_state| macro_state.call_macro(&hidden, &args));
        scope::current(|s| s.map(|s| s.macro_depth -= 1));
        let returned = scope::current(|s| {
            s.and_then(|s| {
                let r = s.returned.take();
                s.returned = saved;
                r
            })
        });
        match (result, returned) {
            (_, Some(value)) => Ok(value),
            (Ok(text), None) if prerender::holds_placeholder(&text) && prerender::active() => {
                Ok(Value::from_object(prerender::PendingText(text)))
            }
            (Ok(text), None) => Ok(Value::from_safe_string(text)),
            (Err(e), None) => Err(e),
        }
    }
}

/// A call's arguments for a macro whose body reads `kwargs` (`params`: its parameters): the
/// keyword arguments it has no parameter for are taken out into `kwargs`, as Jinja2 collects
/// them. A macro that does not read `kwargs` gets the arguments as they are (and an undefined
/// `kwargs`).
fn split_kwargs(args: &[Value], params: Option<&[String]>) -> (Vec<Value>, Value) {
    let (Some(params), Some(last)) = (params, args.last()) else {
        return (args.to_vec(), Value::UNDEFINED);
    };
    let mut named: Vec<(String, Value)> = vec![];
    let mut extra = std::collections::BTreeMap::new();
    if let Ok(kw) = Kwargs::try_from(last.clone())
        && last.is_kwargs()
    {
        for key in kw.args() {
            let value = kw.peek::<Value>(key).unwrap_or_default();
            match params.iter().any(|p| p == key) {
                true => named.push((key.to_string(), value)),
                false => {
                    extra.insert(key.to_string(), value);
                }
            }
        }
        let mut out = args[..args.len() - 1].to_vec();
        if !named.is_empty() {
            out.push(Value::from(named.into_iter().collect::<Kwargs>()));
        }
        return (out, Value::from(extra));
    }
    (args.to_vec(), Value::from(extra))
}

/// How deep macros may call macros (a bound on recursion the project controls).
const MAX_MACRO_DEPTH: usize = 200;

/// The error `return()` raises to stop a macro; MacroFn turns it into the macro's value.
pub(crate) const RETURN_MARKER: &str = "__mozt_return__";
