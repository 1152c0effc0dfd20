//! `adapter` and `api` as templates see them: `adapter.dispatch`, the introspection methods
//! (`get_columns_in_relation`, `get_relation`, `get_missing_columns`), `adapter.quote`,
//! `api.Relation.create` and `api.Column`. Introspection answers empty (no columns, no
//! relation) when no connection is live (see `warehouse`).

use minijinja::value::{Kwargs, Object, ObjectRepr, Value, from_args};
use minijinja::{Error, ErrorKind, State};
use std::sync::Arc;

use super::namespace::{self, Shared};
use super::objects::{RelationObj, relation_value};
use super::warehouse::{err, introspect, with_conn};
use crate::project::AdapterKind;
use crate::relation::{Quoting, Relation};

#[derive(Debug)]
pub(crate) struct AdapterObj {
    pub(crate) registry: Shared,
    /// The warehouse (how relations are quoted).
    pub(crate) kind: AdapterKind,
    /// What `adapter.type()` answers: the dialect the models are written in (`Target::jinja_type`).
    pub(crate) type_name: AdapterKind,
}

/// The relation a template passed (a `ref()`, `source()`, `this` or `api.Relation.create`).
fn relation_arg(value: &Value, method: &str) -> Result<Relation, Error> {
    value
        .downcast_object_ref::<RelationObj>()
        .map(|r| r.relation.clone())
        .ok_or_else(|| {
            err(format!(
                "adapter.{method}() takes a relation (ref(), source(), this), not {value}"
            ))
        })
}

impl AdapterObj {
    fn quoting(&self) -> Quoting {
        Quoting::for_target_type(self.kind)
    }

    /// The columns of `relation` in the warehouse; empty when not executing.
    fn columns(&self, relation: &Relation) -> Result<Vec<Value>, Error> {
        let Some(live) = introspect() else {
            return Ok(vec![]);
        };
        let columns = with_conn(&live, |c| c.columns(relation))?;
        Ok(columns
            .into_iter()
            .map(|(name, dtype)| column(name, dtype, self.quoting()))
            .collect())
    }

    /// `adapter.drop_relation(relation)`: drops the table or view (whichever it is) when it
    /// exists; nothing when not executing.
    fn drop_relation(&self, relation: &Relation) -> Result<Value, Error> {
        let Some(live) = introspect() else {
            return Ok(Value::from(()));
        };
        with_conn(&live, |c| {
            match c.find_relation(&relation.schema, &relation.identifier)? {
                Some((_, kind)) => c.execute(&kind.drop_sql(relation)),
                None => Ok(()),
            }
        })?;
        Ok(Value::from(()))
    }

    fn get_relation(&self, args: &[Value]) -> Result<Value, Error> {
        let (database, schema, identifier, kwargs): (Option<Value>, Option<&str>, Option<&str>, Kwargs) =
            from_args(args)?;
        let database = kwargs.get::<Option<Value>>("database")?.or(database);
        let schema = kwargs.get::<Option<&str>>("schema")?.or(schema).unwrap_or_default();
        let identifier = kwargs
            .get::<Option<&str>>("identifier")?
            .or(identifier)
            .unwrap_or_default();
        let Some(live) = introspect() else {
            return Ok(Value::from(()));
        };
        let found = with_conn(&live, |c| c.find_relation(schema, identifier))?.map(|(r, _)| r);
        let database = database
            .filter(|d| !d.is_none() && !d.is_undefined())
            .map(|d| d.to_string());
        Ok(found
            .map(|r| {
                relation_value(
                    Relation::new(database.or(r.database), r.schema, r.identifier).with_quoting(self.quoting()),
                )
            })
            .unwrap_or(Value::from(())))
    }
}

impl Object for AdapterObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match method {
            "dispatch" => {
                let (name, namespace, kwargs): (&str, Option<&str>, Kwargs) = from_args(args)?;
                let namespace = kwargs.get::<Option<&str>>("macro_namespace")?.or(namespace);
                let name = kwargs.get::<Option<&str>>("macro_name")?.unwrap_or(name);
                namespace::dispatch(&self.registry, name, namespace)
            }
            "get_columns_in_relation" => {
                let (relation,): (Value,) = from_args(args)?;
                Ok(Value::from(self.columns(&relation_arg(&relation, method)?)?))
            }
            "get_missing_columns" => {
                let (from, to): (Value, Value) = from_args(args)?;
                let (from, to) = (relation_arg(&from, method)?, relation_arg(&to, method)?);
                let present: Vec<String> = self
                    .columns(&to)?
                    .iter()
                    .filter_map(|c| c.get_attr("name").ok().map(|n| n.to_string().to_lowercase()))
                    .collect();
                let missing: Vec<Value> = self
                    .columns(&from)?
                    .into_iter()
                    .filter(|c| {
                        c.get_attr("name")
                            .is_ok_and(|n| !present.contains(&n.to_string().to_lowercase()))
                    })
                    .collect();
                Ok(Value::from(missing))
            }
            "get_relation" => self.get_relation(args),
            "drop_relation" => {
                let (relation,): (Value,) = from_args(args)?;
                self.drop_relation(&relation_arg(&relation, method)?)
            }
            "quote" => {
                let (ident,): (&str,) = from_args(args)?;
                Ok(Value::from(crate::relation::quote(ident)))
            }
            "type" => Ok(Value::from(self.type_name.as_str())),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// `api`: `api.Relation.create(...)`, `api.Column(name, dtype)`.
#[derive(Debug)]
pub(crate) struct Api {
    pub(crate) kind: AdapterKind,
}

impl Object for Api {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let part = match key.as_str()? {
            "Relation" => ApiPart::Relation,
            "Column" => ApiPart::Column,
            _ => return None,
        };
        Some(Value::from_object(ApiClass {
            part,
            quoting: Quoting::for_target_type(self.kind),
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApiPart {
    Relation,
    Column,
}

/// `api.Relation` or `api.Column`: `create(...)`, and a Column is callable as its constructor.
#[derive(Debug)]
struct ApiClass {
    part: ApiPart,
    quoting: Quoting,
}

impl ApiClass {
    fn create(&self, args: &[Value]) -> Result<Value, Error> {
        match self.part {
            ApiPart::Relation => {
                let (kwargs,): (Kwargs,) = from_args(args)?;
                let text = |k: &str| -> Result<Option<String>, Error> {
                    Ok(kwargs
                        .get::<Option<Value>>(k)?
                        .filter(|v| !v.is_none() && !v.is_undefined())
                        .map(|v| v.to_string()))
                };
                let database = text("database")?;
                let schema = text("schema")?.unwrap_or_default();
                let identifier = text("identifier")?.unwrap_or_default();
                // `type` says table or view; mozt's relations do not carry it.
                let _: Option<Value> = kwargs.get("type")?;
                Ok(relation_value(
                    Relation::new(database, schema, identifier).with_quoting(self.quoting),
                ))
            }
            ApiPart::Column => {
                let (name, dtype): (&str, &str) = from_args(args)?;
                Ok(column(name.to_string(), dtype.to_string(), self.quoting))
            }
        }
    }
}

impl Object for ApiClass {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        if self.part == ApiPart::Relation {
            return Err(err("use api.Relation.create(database=..., schema=..., identifier=...)"));
        }
        self.create(args)
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match method {
            "create" => self.create(args),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A column as dbt's `Column`: `.name`, `.column`, `.dtype`, `.data_type`, `.quoted`, and
/// `is_string()`, `is_number()`, `is_integer()`, `is_float()`.
pub(crate) fn column(name: String, dtype: String, quoting: Quoting) -> Value {
    Value::from_object(ColumnObj { name, dtype, quoting })
}

#[derive(Debug)]
struct ColumnObj {
    name: String,
    dtype: String,
    quoting: Quoting,
}

impl ColumnObj {
    fn base_type(&self) -> String {
        self.dtype.split('(').next().unwrap_or("").trim().to_lowercase()
    }
}

impl Object for ColumnObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from(match key.as_str()? {
            "name" | "column" => self.name.clone(),
            "dtype" | "data_type" => self.dtype.clone(),
            "quoted" => crate::relation::quote_with(&self.name, self.quoting),
            _ => return None,
        }))
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        let t = self.base_type();
        let is = |names: &[&str]| names.iter().any(|n| t == *n);
        let ints = [
            "integer", "int", "bigint", "smallint", "tinyint", "hugeint", "ubigint", "uinteger", "number",
        ];
        let floats = ["float", "double", "real", "float4", "float8", "double precision"];
        Ok(Value::from(match method {
            "is_string" => is(&["varchar", "text", "string", "char", "character varying", "character"]),
            "is_integer" => is(&ints) && !self.dtype.contains(','),
            "is_float" => is(&floats),
            "is_numeric" => is(&["numeric", "decimal", "number"]),
            "is_number" => is(&ints) || is(&floats) || is(&["numeric", "decimal"]),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }))
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Column {} ({})>", self.name, self.dtype)
    }
}
