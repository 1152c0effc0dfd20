//! Where a macro name leads, as in dbt: bare names (the root project's macros over mozt's
//! built-in ones), package namespaces (`dbt_utils.star`, `dbt.type_string`, `my_project.x`),
//! a package macro's own package first when it calls a bare name, and `adapter.dispatch`.
//!
//! The built-in macros are the package `dbt`. `adapter.dispatch('name', 'pkg')` looks for
//! `<adapter>__name`, then `default__name`, in each package of the search order: the root
//! project's `dispatch:` entry for `pkg` when it has one, else the root project then `pkg`
//! (when `pkg` is a known package), else the bare names.

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::objects::MacroFn;

/// The package name of mozt's built-in macros (dbt's internal namespace).
pub(crate) const DBT: &str = "dbt";

/// Every macro by package, and the dispatch search orders; shared by the environment and the
/// objects templates see.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    /// The root project's name (its macros are also the package of that name).
    pub(crate) root: String,
    /// The prefix dispatch tries before `default` (`duckdb`, `snowflake`).
    pub(crate) adapter: String,
    /// Package -> macro name -> the template defining it.
    pub(crate) packages: HashMap<String, HashMap<String, String>>,
    /// Bare name -> template (the root project's macros over the built-in ones).
    pub(crate) global: HashMap<String, String>,
    /// Root `dispatch:` entries: macro namespace -> packages to search, in order.
    pub(crate) dispatch: HashMap<String, Vec<String>>,
}

pub(crate) type Shared = Arc<RwLock<Registry>>;

impl Registry {
    pub(crate) fn add(&mut self, package: &str, name: &str, template: &str, global: bool) {
        self.packages
            .entry(package.to_string())
            .or_default()
            .insert(name.to_string(), template.to_string());
        if global {
            self.global.insert(name.to_string(), template.to_string());
        }
    }

    /// The template of macro `name` in `package` (None: the bare names).
    pub(crate) fn find(&self, package: Option<&str>, name: &str) -> Option<&str> {
        match package {
            None => self.global.get(name),
            Some(p) => self.packages.get(p)?.get(name),
        }
        .map(String::as_str)
    }

    pub(crate) fn has_package(&self, package: &str) -> bool {
        self.packages.contains_key(package)
    }

    /// The packages `adapter.dispatch(_, namespace)` searches (None: the bare names).
    fn search_order(&self, namespace: Option<&str>) -> Vec<Option<String>> {
        match namespace {
            None => vec![None],
            Some(ns) => match self.dispatch.get(ns) {
                Some(order) => order.iter().cloned().map(Some).collect(),
                None if self.has_package(ns) => vec![Some(self.root.clone()), Some(ns.to_string())],
                None => vec![None],
            },
        }
    }

    /// The macro `adapter.dispatch(name, namespace)` returns, or the names it looked for.
    pub(crate) fn dispatch(
        &self,
        name: &str,
        namespace: Option<&str>,
    ) -> Result<(Option<String>, String, String), String> {
        let mut tried = vec![];
        for package in self.search_order(namespace) {
            for prefix in [self.adapter.as_str(), "default"] {
                let wanted = format!("{prefix}__{name}");
                if let Some(t) = self.find(package.as_deref(), &wanted) {
                    return Ok((package, wanted, t.to_string()));
                }
                tried.push(match &package {
                    Some(p) => format!("'{p}.{wanted}'"),
                    None => format!("'{wanted}'"),
                });
            }
        }
        Err(format!(
            "In dispatch: No macro named '{name}' found within namespace: '{}'\n    Searched for: {}",
            namespace.unwrap_or("None"),
            tried.join(", ")
        ))
    }
}

/// A macro value that runs with its package's own macros visible by bare name.
pub(crate) fn macro_value(registry: &Shared, package: Option<&str>, name: &str, template: &str) -> Value {
    let locals = package.filter(|p| *p != DBT).map(|p| {
        Value::from_object(PackageLocals {
            registry: registry.clone(),
            package: p.to_string(),
        })
    });
    Value::from_object(MacroFn {
        template: template.to_string(),
        kwargs_params: Default::default(),
        name: name.to_string(),
        recorded: match package {
            Some(p) => format!("{p}.{name}"),
            None => name.to_string(),
        },
        locals,
    })
}

/// `dbt_utils`, `dbt`, `my_project`: a package's macros as attributes.
#[derive(Debug)]
pub(crate) struct Namespace {
    pub(crate) registry: Shared,
    pub(crate) package: String,
}

impl Object for Namespace {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::NonEnumerable
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        let registry = self.registry.read().ok()?;
        let template = registry.find(Some(&self.package), name)?;
        Some(macro_value(&self.registry, Some(&self.package), name, template))
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<namespace {}>", self.package)
    }
}

/// The macros of one package, seen by bare name from inside that package's macros.
#[derive(Debug)]
pub(crate) struct PackageLocals {
    registry: Shared,
    package: String,
}

impl Object for PackageLocals {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        let registry = self.registry.read().ok()?;
        let template = registry.find(Some(&self.package), name)?;
        Some(macro_value(&self.registry, Some(&self.package), name, template))
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }
}

/// `adapter.dispatch(macro_name, macro_namespace=None)`: the macro to call.
pub(crate) fn dispatch(registry: &Shared, name: &str, namespace: Option<&str>) -> Result<Value, Error> {
    if name.contains('.') {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "adapter.dispatch('{name}'): give the macro name without a package; the package goes in macro_namespace"
            ),
        ));
    }
    let registry_read = registry
        .read()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "the macro registry was poisoned"))?;
    let (package, found, template) = registry_read
        .dispatch(name, namespace)
        .map_err(|msg| Error::new(ErrorKind::InvalidOperation, msg))?;
    drop(registry_read);
    Ok(macro_value(registry, package.as_deref(), &found, &template))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        let mut r = Registry {
            root: "root".into(),
            adapter: "duckdb".into(),
            ..Registry::default()
        };
        r.add(DBT, "default__hash", "dbt.sql", true);
        r.add(DBT, "snowflake__hash", "dbt.sql", true);
        r.add("utils", "default__star", "utils.sql", false);
        r.add("utils", "duckdb__star", "utils.sql", false);
        r
    }

    #[test]
    fn dispatch_tries_adapter_then_default_in_each_package() {
        let mut r = registry();
        let (pkg, name, _) = r.dispatch("star", Some("utils")).unwrap();
        assert_eq!((pkg.as_deref(), name.as_str()), (Some("utils"), "duckdb__star"));
        r.add("root", "default__star", "root.sql", true);
        let (pkg, name, _) = r.dispatch("star", Some("utils")).unwrap();
        assert_eq!((pkg.as_deref(), name.as_str()), (Some("root"), "default__star"));
        r.dispatch.insert("utils".into(), vec!["utils".into(), "root".into()]);
        let (pkg, _, _) = r.dispatch("star", Some("utils")).unwrap();
        assert_eq!(pkg.as_deref(), Some("utils"));
        let (pkg, name, _) = r.dispatch("hash", Some(DBT)).unwrap();
        assert_eq!((pkg.as_deref(), name.as_str()), (Some(DBT), "default__hash"));
        let err = r.dispatch("nope", Some("utils")).unwrap_err();
        assert!(err.contains("'utils.duckdb__nope', 'utils.default__nope'"), "{err}");
    }
}
