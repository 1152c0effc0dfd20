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
}

impl Object for RelationObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
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
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Printed straight into the output, a placeholder goes through the environment's
        // formatter instead; any other use needs the real name.
        if self.placeholder.is_some() {
            prerender::taint();
        }
        write!(f, "{}", self.relation)
    }
}

pub(crate) fn relation_value(r: Relation) -> Value {
    Value::from_object(RelationObj {
        relation: r,
        placeholder: None,
    })
}

/// A parse render's relation, printing as placeholder number `placeholder` when it has one.
pub(crate) fn pending_relation(r: Relation, placeholder: Option<usize>) -> Value {
    Value::from_object(RelationObj {
        relation: r,
        placeholder,
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
    pub name: String,
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
                && !s.recorded.macros.contains(&self.name)
            {
                s.recorded.macros.push(self.name.clone());
            }
        });
        let tmpl = state.env().get_template(&self.template)?;
        let ctx = minijinja::context! {
            this => state.lookup("this"),
            model => state.lookup("model"),
        };
        let mut captured = tmpl.render_captured(ctx)?;
        let saved = scope::current(|s| s.and_then(|s| s.returned.take()));
        let result = captured.with_state_mut(|macro_state| macro_state.call_macro(&self.name, args));
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

/// The error `return()` raises to stop a macro; MacroFn turns it into the macro's value.
pub(crate) const RETURN_MARKER: &str = "__mozt_return__";
