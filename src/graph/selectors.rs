//! Named selectors: `selectors.yml` at the project root, used with `--selector NAME`.
//!
//! ```yaml
//! selectors:
//!   - name: nightly
//!     definition: "tag:nightly+"          # a --select expression
//!   - name: changed_marts
//!     definition:
//!       intersection:
//!         - "state:modified+"
//!         - method: path                  # one method, with graph operators as keys
//!           value: models/marts
//!           parents: true                 # also parents_depth: N, children, children_depth,
//!                                         # childrens_parents (the @ operator)
//!   - name: all_but_slow
//!     definition:
//!       union:
//!         - "tag:nightly"
//!         - selector: changed_marts       # another named selector
//!         - exclude: ["tag:slow"]         # taken out of the union
//! ```
//!
//! Tests attached to what a selector picks come along, as with `--select`.

use serde_yaml_ng::Value;
use std::collections::BTreeSet;
use std::path::Path;

use super::Key;
use super::select::{Context, add_attached_tests, eval_arg};
use crate::error::{Error, Location, Result, line_of, yaml_error};

pub(crate) const FILE: &str = "selectors.yml";

/// The nodes the selector `name` in `root/selectors.yml` picks.
pub(crate) fn select(ctx: &Context, root: &Path, name: &str) -> Result<BTreeSet<Key>> {
    let file = Selectors::load(root)?;
    let mut set = file.eval_named(ctx, name, &mut vec![])?;
    add_attached_tests(ctx.manifest, &mut set);
    Ok(set)
}

struct Selectors {
    text: String,
    /// (name, definition) in file order.
    entries: Vec<(String, Value)>,
}

impl Selectors {
    fn load(root: &Path) -> Result<Selectors> {
        let path = root.join(FILE);
        let shown = Path::new(FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::project(format!(
                "--selector needs {FILE} at the project root, which cannot be read: {e}"
            ))
            .at(Location::file(shown))
            .help("create selectors.yml with `selectors: [{name: ..., definition: ...}]`, or use --select")
        })?;
        let doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| yaml_error(shown, &e, &text))?;
        let list = doc.get("selectors").and_then(Value::as_sequence).ok_or_else(|| {
            Error::project(format!("{FILE} has no `selectors:` list"))
                .at(Location::at(shown, 1))
                .help("write `selectors:` followed by a list of `- name: ...` / `definition: ...` entries")
        })?;
        let mut entries = vec![];
        for item in list {
            let Some(name) = item.get("name").and_then(Value::as_str) else {
                let line = entries
                    .last()
                    .and_then(|(n, _): &(String, Value)| line_of(&text, &format!("name: {n}")))
                    .unwrap_or(1);
                return Err(Error::project(format!("an entry of {FILE} has no name"))
                    .at(Location::at(shown, line))
                    .help("give every selector `name:` and `definition:`"));
            };
            let Some(def) = item.get("definition") else {
                return Err(Error::project(format!("selector '{name}' has no definition"))
                    .at(Location::at(shown, line_of(&text, name).unwrap_or(1)))
                    .help("add `definition:` with a selector expression, e.g. definition: \"tag:nightly+\""));
            };
            entries.push((name.to_string(), def.clone()));
        }
        Ok(Selectors { text, entries })
    }

    fn eval_named(&self, ctx: &Context, name: &str, stack: &mut Vec<String>) -> Result<BTreeSet<Key>> {
        let Some((_, def)) = self.entries.iter().find(|(n, _)| n == name) else {
            let names: Vec<&str> = self.entries.iter().map(|(n, _)| n.as_str()).collect();
            let hints = crate::suggest::closest(name, names.iter().copied());
            return Err(Error::project(format!("no selector named '{name}' in {FILE}"))
                .at(Location::file(FILE))
                .help(if hints.is_empty() {
                    format!("selectors defined: {}", names.join(", "))
                } else {
                    format!("did you mean {}?", hints.join(", "))
                }));
        };
        if stack.iter().any(|s| s == name) {
            return Err(Error::project(format!(
                "selector '{name}' refers to itself: {} -> {name}",
                stack.join(" -> ")
            ))
            .at(self.location(name)));
        }
        stack.push(name.to_string());
        let out = self.eval(ctx, name, def, stack);
        stack.pop();
        out
    }

    fn location(&self, name: &str) -> Location {
        Location::at(FILE, line_of(&self.text, &format!("name: {name}")).unwrap_or(1))
    }

    fn bad(&self, name: &str, what: String) -> Error {
        Error::project(format!("selector '{name}': {what}"))
            .at(self.location(name))
            .help("a definition is a string (\"tag:nightly+\"), {method: ..., value: ...}, {union: [...]}, {intersection: [...]}, {exclude: [...]} or {selector: NAME}")
    }

    fn eval(&self, ctx: &Context, name: &str, def: &Value, stack: &mut Vec<String>) -> Result<BTreeSet<Key>> {
        match def {
            Value::String(expr) => eval_arg(ctx, expr).map_err(|e| e.at(self.location(name))),
            Value::Mapping(m) => {
                if let Some(list) = m.get("union") {
                    let mut out = BTreeSet::new();
                    let mut excluded = BTreeSet::new();
                    for item in self.list(name, "union", list)? {
                        match item.get("exclude") {
                            Some(ex) => excluded.extend(self.eval_list_union(ctx, name, ex, stack)?),
                            None => out.extend(self.eval(ctx, name, item, stack)?),
                        }
                    }
                    out.retain(|k| !excluded.contains(k));
                    Ok(out)
                } else if let Some(list) = m.get("intersection") {
                    let mut acc: Option<BTreeSet<Key>> = None;
                    let mut excluded = BTreeSet::new();
                    for item in self.list(name, "intersection", list)? {
                        if let Some(ex) = item.get("exclude") {
                            excluded.extend(self.eval_list_union(ctx, name, ex, stack)?);
                            continue;
                        }
                        let set = self.eval(ctx, name, item, stack)?;
                        acc = Some(match acc {
                            None => set,
                            Some(prev) => prev.intersection(&set).copied().collect(),
                        });
                    }
                    let mut out = acc.unwrap_or_default();
                    out.retain(|k| !excluded.contains(k));
                    Ok(out)
                } else if let Some(other) = m.get("selector") {
                    let other = other
                        .as_str()
                        .ok_or_else(|| self.bad(name, "`selector:` takes a selector's name".into()))?;
                    self.eval_named(ctx, other, stack)
                } else if m.contains_key("method") {
                    let expr = self.method_expr(name, m)?;
                    eval_arg(ctx, &expr).map_err(|e| e.at(self.location(name)))
                } else if m.contains_key("exclude") {
                    Err(self.bad(name, "`exclude:` must sit inside a union or an intersection".into()))
                } else {
                    let keys: Vec<String> = m.keys().filter_map(|k| k.as_str().map(str::to_string)).collect();
                    Err(self.bad(name, format!("cannot read a definition with keys {}", keys.join(", "))))
                }
            }
            _ => Err(self.bad(name, "the definition must be a string or a mapping".into())),
        }
    }

    fn list<'v>(&self, name: &str, key: &str, v: &'v Value) -> Result<&'v Vec<Value>> {
        v.as_sequence()
            .ok_or_else(|| self.bad(name, format!("`{key}:` takes a list")))
    }

    fn eval_list_union(&self, ctx: &Context, name: &str, v: &Value, stack: &mut Vec<String>) -> Result<BTreeSet<Key>> {
        let mut out = BTreeSet::new();
        match v {
            Value::Sequence(items) => {
                for item in items {
                    out.extend(self.eval(ctx, name, item, stack)?);
                }
            }
            other => out.extend(self.eval(ctx, name, other, stack)?),
        }
        Ok(out)
    }

    /// `{method: tag, value: nightly, parents: true, children_depth: 2}` as `+tag:nightly+2`.
    fn method_expr(&self, name: &str, m: &serde_yaml_ng::Mapping) -> Result<String> {
        let text = |key: &str| -> Option<String> {
            match m.get(key)? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        };
        let flag = |key: &str| m.get(key).and_then(Value::as_bool).unwrap_or(false);
        let depth = |key: &str| m.get(key).and_then(Value::as_u64);
        let method = text("method").ok_or_else(|| self.bad(name, "`method:` must be text".into()))?;
        let value = text("value").ok_or_else(|| self.bad(name, format!("method {method} has no `value:`")))?;
        let mut expr = String::new();
        if flag("childrens_parents") {
            expr.push('@');
        }
        match (flag("parents"), depth("parents_depth")) {
            (_, Some(d)) => expr.push_str(&format!("{d}+")),
            (true, None) => expr.push('+'),
            _ => {}
        }
        if method == "fqn" || method == "name" {
            expr.push_str(&value);
        } else {
            expr.push_str(&format!("{method}:{value}"));
        }
        match (flag("children"), depth("children_depth")) {
            (_, Some(d)) => expr.push_str(&format!("+{d}")),
            (true, None) => expr.push('+'),
            _ => {}
        }
        Ok(expr)
    }
}
