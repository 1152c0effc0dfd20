//! The small functions and objects dbt's context adds: `zip`, `set`, `tojson`, `fromjson`,
//! `toyaml`, `fromyaml`, `local_md5`, `invocation_id`, `flags`, `builtins`, and `modules`
//! (a part of Python's `re` and `itertools`; `datetime` and `pytz` are in `pydatetime`).

use minijinja::value::{Enumerator, Object, ObjectRepr, Rest, Value, from_args};
use minijinja::{Error, ErrorKind, State};
use std::sync::Arc;

use super::pydatetime::{self, DateTime};
use super::warehouse::err;

/// `zip(a, b, ...)`: lists of the i-th items, as long as the shortest argument.
pub(crate) fn zip(lists: Rest<Value>) -> Result<Value, Error> {
    let lists: Vec<Vec<Value>> = lists
        .iter()
        .map(|l| l.try_iter().map(Iterator::collect))
        .collect::<Result<_, _>>()?;
    let len = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::from(
        (0..len)
            .map(|i| Value::from(lists.iter().map(|l| l[i].clone()).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
    ))
}

/// `set(items)`: the distinct items, iterated in first-seen order (a Python set has no order);
/// two sets are equal when they hold the same items in any order, as Python's are
/// (dbt_utils' equality test compares two tables' column sets so).
pub(crate) fn set(items: Option<Value>) -> Result<Value, Error> {
    let mut out: Vec<Value> = vec![];
    if let Some(items) = items {
        for item in items.try_iter()? {
            if !out.contains(&item) {
                out.push(item);
            }
        }
    }
    Ok(Value::from_object(PySet(out)))
}

#[derive(Debug)]
struct PySet(Vec<Value>);

impl Object for PySet {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0.get(usize::try_from(key.as_i64()?).ok()?).cloned()
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.len())
    }
    fn custom_cmp(self: &Arc<Self>, other: &minijinja::value::DynObject) -> Option<std::cmp::Ordering> {
        let other = other.downcast_ref::<Self>()?;
        let sorted = |items: &[Value]| {
            let mut v = items.to_vec();
            v.sort();
            v
        };
        Some(sorted(&self.0).cmp(&sorted(&other.0)))
    }
}

pub(crate) fn tojson(value: Value) -> Result<Value, Error> {
    serde_json::to_string(&value)
        .map(Value::from)
        .map_err(|e| err(format!("tojson: {e}")))
}

/// `fromjson(text, default=None)`.
pub(crate) fn fromjson(text: &str, default: Option<Value>) -> Result<Value, Error> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => Ok(super::to_value(v)),
        Err(_) if default.is_some() => Ok(default.unwrap_or_default()),
        Err(e) => Err(err(format!("fromjson: {e}"))),
    }
}

pub(crate) fn toyaml(value: Value) -> Result<Value, Error> {
    serde_yaml_ng::to_string(&value)
        .map(Value::from)
        .map_err(|e| err(format!("toyaml: {e}")))
}

/// `fromyaml(text, default=None)`.
pub(crate) fn fromyaml(text: &str, default: Option<Value>) -> Result<Value, Error> {
    match serde_yaml_ng::from_str::<serde_json::Value>(text) {
        Ok(v) => Ok(super::to_value(v)),
        Err(_) if default.is_some() => Ok(default.unwrap_or_default()),
        Err(e) => Err(err(format!("fromyaml: {e}"))),
    }
}

/// `local_md5(text)`: the md5 hex digest of the text (computed by mozt, not the warehouse).
pub(crate) fn local_md5(text: &str) -> String {
    crate::hash::md5_hex(text)
}

/// A new invocation id (a random UUID), one per process.
pub(crate) fn invocation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Python's methods on values minijinja lacks them for: `list.index(x)` here, the rest from
/// minijinja-contrib's pycompat (`.items()`, `.upper()`, `.split()`, ...).
pub(crate) fn unknown_method(
    state: &mut State<'_, '_>,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if method == "index" && value.kind() == minijinja::value::ValueKind::Seq {
        let (what,): (Value,) = from_args(args)?;
        for (i, item) in value.try_iter()?.enumerate() {
            if item == what {
                return Ok(Value::from(i));
            }
        }
        return Err(err(format!("{what} is not in list")));
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

/// `builtins`: dbt's own `ref`, `source` and `config`, for a project that overrides them with
/// macros of the same name.
#[derive(Debug)]
pub(crate) struct Builtins;

impl Object for Builtins {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "ref" => Some(Value::from_function(super::functions::ref_fn)),
            "source" => Some(Value::from_function(super::functions::source_fn)),
            "config" => Some(Value::from_object(super::objects::ConfigObj)),
            _ => None,
        }
    }
}

/// `modules`: `datetime`, `pytz`, `re`, `itertools` (the parts of them listed in the Jinja docs).
#[derive(Debug)]
pub(crate) struct Modules;

impl Object for Modules {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "datetime" => Value::from_object(pydatetime::Module::Datetime),
            "pytz" => Value::from_object(pydatetime::Module::Pytz),
            "re" => Value::from_object(Module::Re),
            "itertools" => Value::from_object(Module::Itertools),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Module {
    Re,
    Itertools,
}

impl Object for Module {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match **self {
            Module::Re => re_method(method, args),
            Module::Itertools => itertools_method(method, args),
        }
    }
}

/// `run_started_at`: now, in UTC (an aware datetime, as dbt's), printing as RFC 3339
/// (`2024-07-01T12:00:00.123+00:00`).
pub(crate) fn run_started_at() -> Value {
    Value::from_object(RunStartedAt(chrono::Utc::now().naive_utc()))
}

#[derive(Debug)]
struct RunStartedAt(chrono::NaiveDateTime);

impl Object for RunStartedAt {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Arc::new(DateTime::utc(self.0)).get_value(key)
    }
    fn call_method(self: &Arc<Self>, state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        Arc::new(DateTime::utc(self.0)).call_method(state, method, args)
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.and_utc().to_rfc3339())
    }
}

fn regex(pattern: &str) -> Result<regex::Regex, Error> {
    regex::Regex::new(pattern).map_err(|e| err(format!("modules.re: bad pattern '{pattern}': {e}")))
}

fn re_method(method: &str, args: &[Value]) -> Result<Value, Error> {
    match method {
        "search" | "match" | "fullmatch" => {
            let (pattern, text): (&str, &str) = from_args(args)?;
            let anchored = match method {
                "match" => format!("^(?:{pattern})"),
                "fullmatch" => format!("^(?:{pattern})$"),
                _ => pattern.to_string(),
            };
            Ok(match regex(&anchored)?.captures(text) {
                Some(c) => Value::from(
                    c.iter()
                        .map(|g| g.map(|m| Value::from(m.as_str())).unwrap_or_default())
                        .collect::<Vec<_>>(),
                ),
                None => Value::from(()),
            })
        }
        "findall" => {
            let (pattern, text): (&str, &str) = from_args(args)?;
            let found: Vec<Value> = regex(pattern)?
                .find_iter(text)
                .map(|m| Value::from(m.as_str()))
                .collect();
            Ok(Value::from(found))
        }
        "sub" => {
            let (pattern, replacement, text): (&str, &str, &str) = from_args(args)?;
            // Python writes groups as \1; the regex crate as ${1}.
            let replacement = regex(r"\\(\d+)")?.replace_all(replacement, "$${$1}");
            Ok(Value::from(
                regex(pattern)?.replace_all(text, replacement.as_ref()).to_string(),
            ))
        }
        "split" => {
            let (pattern, text): (&str, &str) = from_args(args)?;
            Ok(Value::from(
                regex(pattern)?.split(text).map(Value::from).collect::<Vec<_>>(),
            ))
        }
        "escape" => {
            let (text,): (&str,) = from_args(args)?;
            Ok(Value::from(regex::escape(text)))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// Most items `itertools` may produce (a product of long lists grows fast).
const MAX_ITEMS: usize = 1_000_000;

fn itertools_method(method: &str, args: &[Value]) -> Result<Value, Error> {
    let lists: Vec<Vec<Value>> = args
        .iter()
        .map(|l| l.try_iter().map(Iterator::collect))
        .collect::<Result<_, _>>()?;
    match method {
        "chain" => Ok(Value::from(lists.into_iter().flatten().collect::<Vec<_>>())),
        "product" => {
            let mut out: Vec<Vec<Value>> = vec![vec![]];
            for list in &lists {
                if out.len().saturating_mul(list.len()) > MAX_ITEMS {
                    return Err(err("itertools.product: more than a million items"));
                }
                out = out
                    .iter()
                    .flat_map(|prefix| {
                        list.iter().map(move |item| {
                            let mut p = prefix.clone();
                            p.push(item.clone());
                            p
                        })
                    })
                    .collect();
            }
            Ok(Value::from(out.into_iter().map(Value::from).collect::<Vec<_>>()))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// `flags`: how the command was invoked (`FULL_REFRESH`, `STORE_FAILURES`, `FAIL_FAST`,
/// `WHICH`); set by the engine before it compiles.
#[derive(Debug, Default, Clone, serde::Serialize)]
#[allow(non_snake_case)]
pub(crate) struct Flags {
    pub FULL_REFRESH: bool,
    pub STORE_FAILURES: bool,
    pub FAIL_FAST: bool,
    pub WHICH: String,
}

impl Object for Flags {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "FULL_REFRESH" => Some(Value::from(self.FULL_REFRESH)),
            "STORE_FAILURES" => Some(Value::from(self.STORE_FAILURES)),
            "FAIL_FAST" => Some(Value::from(self.FAIL_FAST)),
            "WHICH" => Some(Value::from(self.WHICH.clone())),
            _ => None,
        }
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["FULL_REFRESH", "STORE_FAILURES", "FAIL_FAST", "WHICH"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str) -> String {
        let mut env = minijinja::Environment::new();
        env.add_function("zip", zip);
        env.add_function("set", set);
        env.add_function("fromyaml", fromyaml);
        env.add_function("tojson", tojson);
        env.add_function("local_md5", local_md5);
        env.add_global("modules", Value::from_object(Modules));
        env.set_unknown_method_callback(unknown_method);
        env.render_str(template, ())
            .unwrap_or_else(|e| panic!("{template}: {e}"))
    }

    #[test]
    fn python_helpers_render_as_in_dbt() {
        assert_eq!(
            render("{{ zip([1, 2, 3], ['a', 'b']) | list }}"),
            "[[1, 'a'], [2, 'b']]"
        );
        assert_eq!(render("{{ set(['b', 'a', 'b']) }}"), "['b', 'a']");
        // Python's sets are equal in any order.
        assert_eq!(render("{{ set(['a', 'b']) == set(['b', 'a', 'a']) }}"), "True");
        assert_eq!(render("{{ set(['a', 'b']) != set(['a']) }}"), "True");
        assert_eq!(render("{{ fromyaml('a: [1, 2]').a[1] }}"), "2");
        assert_eq!(render("{{ tojson({'k': 1}) }}"), r#"{"k":1}"#);
        assert_eq!(render("{{ local_md5('mozt') }}"), "3bd5c0366dd33bf0d7300430c751f180");
        assert_eq!(
            render(r"{{ modules.re.sub('(\\w+)@(\\w+)', '\\2 at \\1', 'ann@x') }}"),
            "x at ann"
        );
        assert_eq!(render("{{ modules.re.match('a(b)', 'abc')[1] }}"), "b");
        assert_eq!(render("{{ modules.re.match('b', 'abc') is none }}"), "True");
        assert_eq!(render("{{ modules.itertools.product([1, 2], ['x']) | length }}"), "2");
        assert_eq!(
            render("{{ ['a', 'b'].index('b') }} {{ 'a,b'.split(',').count('a') }}"),
            "1 1"
        );
        assert_eq!(
            render("{{ modules.datetime.datetime.strptime('2024-07-01', '%Y-%m-%d').strftime('%d/%m') }}"),
            "01/07"
        );
    }
}
