//! Per-node checksums written to manifest.json and compared by `state:modified`.
//!
//! Each node gets one SHA-256 per kind of change, so `state:modified.<kind>` can ask for one:
//! - `body`: the model/test/snapshot file normalized (`super::normalize`: whitespace and
//!   comments do not count), a seed's file contents byte for byte;
//! - `configs`: the resolved config (model file, schema YAML, project.yml folders);
//! - `yaml`: the node's schema YAML entry (description, columns, meta; its tests are nodes of
//!   their own), or a test's definition (arguments, column);
//! - `macros`: the files defining the project macros the node names, transitively (and
//!   `generate_schema_name`/`generate_alias_name`/`generate_database_name` when the project
//!   overrides them);
//! - `vars`: the values of the vars and env vars the node (or those macros) reads.
//!
//! The body is the template text, not the SQL it renders to: rendering skips what sits under
//! `{% if is_incremental() %}` and depends on the target (so prod and CI would always differ),
//! while macros and vars, the other inputs to rendering, are checked on their own.

use crate::hash::sha256_hex;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::normalize::normalize;
use crate::jinja::JinjaEnv;
use crate::manifest::{Node, ResourceType, SourceNode};

/// The kinds of change, in the order they are written.
pub const KINDS: &[&str] = &["body", "configs", "yaml", "macros", "vars"];

/// Macros that decide where every model is built, when the project overrides them.
const NAMING_MACROS: &[&str] = &["generate_schema_name", "generate_alias_name", "generate_database_name"];

pub type Checksums = BTreeMap<&'static str, String>;

/// What the checksums need from the project's macros, worked out once per command.
pub struct MacroIndex {
    /// Project macro name -> its template, the SHA-256 of the template's normalized text, the
    /// project macros the template names, and the vars it reads.
    macros: BTreeMap<String, MacroInfo>,
}

struct MacroInfo {
    template: String,
    sha: String,
    names: Vec<String>,
    vars: BTreeSet<String>,
}

impl MacroIndex {
    pub fn new(jinja: &JinjaEnv) -> MacroIndex {
        let project: BTreeSet<&str> = jinja.macro_names().filter(|m| !jinja.macro_is_builtin(m)).collect();
        let mut by_template: BTreeMap<String, (String, Vec<String>, BTreeSet<String>)> = BTreeMap::new();
        let mut macros = BTreeMap::new();
        for name in &project {
            let Some((template, source)) = jinja.macro_source(name) else {
                continue;
            };
            let (sha, names, vars) = by_template
                .entry(template.clone())
                .or_insert_with(|| {
                    let names = words(&source)
                        .filter(|w| project.contains(w))
                        .map(str::to_string)
                        .collect();
                    (sha256_hex(normalize(&source).as_bytes()), names, var_names(&source))
                })
                .clone();
            macros.insert(
                name.to_string(),
                MacroInfo {
                    template,
                    sha,
                    names,
                    vars,
                },
            );
        }
        MacroIndex { macros }
    }

    /// Project macros a node names (a call or any mention: a macro can be passed around), and
    /// the macros those name, transitively.
    fn used_by(&self, node: &Node) -> BTreeMap<&str, &MacroInfo> {
        let mut queue: Vec<String> = words(&node.raw_code)
            .filter(|w| self.macros.contains_key(*w))
            .map(str::to_string)
            .collect();
        if let Some(t) = &node.test {
            queue.push(format!("test_{}", t.test_name));
        }
        if matches!(
            node.resource_type,
            ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
        ) {
            queue.extend(NAMING_MACROS.iter().map(|m| m.to_string()));
        }
        let mut out = BTreeMap::new();
        while let Some(name) = queue.pop() {
            let Some((key, info)) = self.macros.get_key_value(&name) else {
                continue;
            };
            if out.insert(key.as_str(), info).is_none() {
                queue.extend(info.names.iter().filter(|n| !out.contains_key(n.as_str())).cloned());
            }
        }
        out
    }
}

/// The checksums of one node.
pub fn of_node(node: &Node, jinja: &JinjaEnv, macros: &MacroIndex, root: &Path) -> Checksums {
    let mut out = Checksums::new();
    let body = match node.resource_type {
        ResourceType::Seed => match std::fs::read(root.join(&node.original_file_path)) {
            Ok(bytes) => sha256_hex(&bytes),
            // Unreadable: a value that never equals a stored checksum.
            Err(e) => format!("unreadable: {e}"),
        },
        _ => sha256_hex(normalize(&node.raw_code).as_bytes()),
    };
    out.insert("body", body);
    out.insert("configs", sha256_hex(canonical_object(&node.config).as_bytes()));
    let yaml = match (&node.yaml, &node.test) {
        (Some(y), _) => canonical(&without_tests(y)),
        (None, Some(t)) => canonical(&serde_json::to_value(t).unwrap_or(Value::Null)),
        (None, None) => String::new(),
    };
    out.insert("yaml", sha256_hex(yaml.as_bytes()));

    let used = macros.used_by(node);
    let mut text = String::new();
    for (name, info) in &used {
        text.push_str(&format!("{name}@{}:{}\n", info.template, info.sha));
    }
    out.insert("macros", sha256_hex(text.as_bytes()));

    let mut names: BTreeSet<String> = node.vars_used.iter().cloned().collect();
    names.extend(var_names(&node.raw_code));
    for info in used.values() {
        names.extend(info.vars.iter().cloned());
    }
    let mut values = String::new();
    for name in &names {
        let value = match name.strip_prefix("env:") {
            Some(env) => std::env::var(env).map(Value::String).unwrap_or(Value::Null),
            None => jinja.vars.get(name.as_str()).cloned().unwrap_or(Value::Null),
        };
        values.push_str(&format!("{name}={}\n", canonical(&value)));
    }
    out.insert("vars", sha256_hex(values.as_bytes()));
    out
}

/// A schema YAML entry without its tests: tests are nodes of their own (a new one is
/// `state:new`), and adding one changes nothing the model builds.
fn without_tests(entry: &Value) -> Value {
    let mut v = entry.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("data_tests");
        m.remove("unit_tests");
        if let Some(Value::Array(cols)) = m.get_mut("columns") {
            for c in cols.iter_mut().filter_map(Value::as_object_mut) {
                c.remove("data_tests");
            }
        }
    }
    v
}

/// The checksums of a source table: its YAML definition (not the database a target fills in).
pub fn of_source(source: &SourceNode) -> Checksums {
    Checksums::from([("yaml", sha256_hex(canonical(&source.yaml).as_bytes()))])
}

/// Every identifier in a text (with repeats).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// Names passed as literal strings to `var(...)` (as `name`) and `env_var(...)` (as `env:NAME`).
pub fn var_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (func, prefix) in [("var", ""), ("env_var", "env:")] {
        let pattern = format!("{func}(");
        let mut from = 0;
        while let Some(idx) = text[from..].find(&pattern) {
            let start = from + idx;
            from = start + pattern.len();
            let before = text[..start].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let arg = text[from..].trim_start();
            let Some(q) = arg.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            if let Some(end) = arg[1..].find(q) {
                out.insert(format!("{prefix}{}", &arg[1..1 + end]));
            }
        }
    }
    out
}

/// JSON with object keys sorted, so that reordering keys in YAML changes nothing.
pub fn canonical(v: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(v, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `canonical` of an object, without building a `Value` around it.
pub fn canonical_object(m: &Map<String, Value>) -> String {
    let mut out = Vec::new();
    write_object(m, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Compact JSON, as `serde_json` writes it, with object keys in sorted order (written
/// straight out: this runs for every node's checksums).
fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => write_object(m, out),
        Value::Array(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        // Writing a scalar into a Vec cannot fail.
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

fn write_object(m: &Map<String, Value>, out: &mut Vec<u8>) {
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut *out, k);
        out.push(b':');
        write_canonical(v, out);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_var_names() {
        let names =
            var_names("{{ var('a') }} {{ var(\"b\", 3) }} {{ env_var('HOME') }} {{ my_var('x') }} {{ var(x) }}");
        let want: BTreeSet<String> = ["a", "b", "env:HOME"].iter().map(|s| s.to_string()).collect();
        assert_eq!(names, want);
    }

    #[test]
    fn canonical_sorts_keys() {
        let a: Value = serde_json::json!({"b": 1, "a": {"d": 2, "c": [1, {"f": 1, "e": 2}]}});
        assert_eq!(canonical(&a), r#"{"a":{"c":[1,{"e":2,"f":1}],"d":2},"b":1}"#);
        let odd: Value = serde_json::json!({"q\"": "line\nbreak", "n": [1.5, -2, null, true], "": {}});
        assert_eq!(canonical(&odd), r#"{"":{},"n":[1.5,-2,null,true],"q\"":"line\nbreak"}"#);
    }
}
