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

use crate::hash::{Sum, hex_sha256, sha256_hex};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::normalize::normalize;
use crate::jinja::JinjaEnv;
use crate::manifest::{Node, ResourceType, SourceNode};

/// The kinds of change, in the order they are written.
pub(crate) const KINDS: &[&str] = &["body", "configs", "yaml", "macros", "vars"];

/// Macros that decide where every model is built, when the project overrides them.
const NAMING_MACROS: &[&str] = &["generate_schema_name", "generate_alias_name", "generate_database_name"];

/// A node's checksums, one per kind of `KINDS` (a source has only `yaml`), held as digests: the
/// hex is written out only in manifest.json, and fifteen thousand nodes' checksums fit in a
/// few megabytes with no allocation of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checksums([Option<Sum>; 5]);

/// A kind of change, as an index into `KINDS` (and into `Checksums`).
#[derive(Debug, Clone, Copy)]
enum Kind {
    Body = 0,
    Configs = 1,
    Yaml = 2,
    Macros = 3,
    Vars = 4,
}

impl Checksums {
    fn set(&mut self, kind: Kind, sum: Sum) {
        self.0[kind as usize] = Some(sum);
    }

    /// The checksums present, by kind, in the order of `KINDS`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Sum)> {
        KINDS
            .iter()
            .zip(&self.0)
            .filter_map(|(&k, s)| s.as_ref().map(|s| (k, s)))
    }
}

/// Written as an object with the kinds in alphabetical order (as manifest.json always had).
impl serde::Serialize for Checksums {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut alphabetical = [0, 1, 2, 3, 4];
        alphabetical.sort_unstable_by_key(|&k| KINDS[k]);
        let present = self.0.iter().flatten().count();
        let mut map = serializer.serialize_map(Some(present))?;
        for k in alphabetical {
            let Some(sum) = &self.0[k] else { continue };
            let k = KINDS[k];
            match sum {
                Sum::Sha256(d) => {
                    let digits = hex_sha256(d);
                    map.serialize_entry(k, std::str::from_utf8(&digits).unwrap_or_default())?;
                }
                Sum::Unreadable => map.serialize_entry(k, "unreadable")?,
            }
        }
        map.end()
    }
}

/// What the checksums need from the project's macros, worked out once per command.
pub(crate) struct MacroIndex {
    /// Project macro name -> its template, the SHA-256 of the template's normalized text, the
    /// project macros the template names, and the vars it reads.
    macros: BTreeMap<String, MacroInfo>,
    /// Bit n set when some macro name is n bytes long (n >= 127 counts as 127), and which bytes
    /// start a macro name: most words of a model are ruled out without a map look-up.
    lengths: u128,
    first_bytes: [bool; 256],
}

struct MacroInfo {
    template: String,
    sha: String,
    names: Vec<String>,
    vars: BTreeSet<String>,
}

impl MacroIndex {
    pub(crate) fn new(jinja: &JinjaEnv) -> MacroIndex {
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
        let mut lengths = 0u128;
        let mut first_bytes = [false; 256];
        for name in macros.keys() {
            lengths |= 1 << name.len().min(127);
            if let Some(&b) = name.as_bytes().first() {
                first_bytes[usize::from(b)] = true;
            }
        }
        MacroIndex {
            macros,
            lengths,
            first_bytes,
        }
    }

    /// A project macro's name and info.
    fn get(&self, word: &str) -> Option<(&str, &MacroInfo)> {
        let first = *word.as_bytes().first()?;
        if self.lengths & (1 << word.len().min(127)) == 0 || !self.first_bytes[usize::from(first)] {
            return None;
        }
        self.macros.get_key_value(word).map(|(k, v)| (k.as_str(), v))
    }

    /// Project macros a node names (a call or any mention: a macro can be passed around), and
    /// the macros those name, transitively.
    fn used_by(&self, node: &Node) -> BTreeMap<&str, &MacroInfo> {
        let mut out = BTreeMap::new();
        let mut queue: Vec<&str> = vec![];
        for word in words(&node.raw_code) {
            self.visit(word, &mut out, &mut queue);
        }
        if let Some(t) = &node.test {
            self.visit(&format!("test_{}", t.test_name), &mut out, &mut queue);
        }
        if matches!(
            node.resource_type,
            ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
        ) {
            for name in NAMING_MACROS {
                self.visit(name, &mut out, &mut queue);
            }
        }
        while let Some(name) = queue.pop() {
            self.visit(name, &mut out, &mut queue);
        }
        out
    }

    /// Add a project macro named `name` to `out`, and queue the macros it names; anything else
    /// is ignored.
    fn visit<'a>(&'a self, name: &str, out: &mut BTreeMap<&'a str, &'a MacroInfo>, queue: &mut Vec<&'a str>) {
        let Some((key, info)) = self.get(name) else {
            return;
        };
        if out.insert(key, info).is_none() {
            queue.extend(info.names.iter().map(String::as_str));
        }
    }
}

/// The checksums of one node.
pub(crate) fn of_node(node: &Node, jinja: &JinjaEnv, macros: &MacroIndex, root: &Path) -> Checksums {
    let mut out = Checksums::default();
    let body = match node.resource_type {
        ResourceType::Seed => match std::fs::read(root.join(&node.original_file_path)) {
            Ok(bytes) => Sum::of(&bytes),
            Err(_) => Sum::Unreadable,
        },
        _ => Sum::of(normalize(&node.raw_code).as_bytes()),
    };
    out.set(Kind::Body, body);
    // One buffer for the text behind each of the other checksums.
    let mut text = Vec::with_capacity(1024);
    write_object(&node.config, &mut text, &[]);
    out.set(Kind::Configs, Sum::of(&text));

    text.clear();
    let yaml = match (&node.yaml_checksum, &node.test) {
        (Some(sum), _) => *sum,
        (None, Some(t)) => {
            write_canonical(&serde_json::to_value(t).unwrap_or(Value::Null), &mut text);
            Sum::of(&text)
        }
        (None, None) => Sum::of(b""),
    };
    out.set(Kind::Yaml, yaml);

    let used = macros.used_by(node);
    text.clear();
    for (name, info) in &used {
        for part in [name, "@", &info.template, ":", &info.sha, "\n"] {
            text.extend_from_slice(part.as_bytes());
        }
    }
    out.set(Kind::Macros, Sum::of(&text));

    let mut names: BTreeSet<Cow<str>> = node.vars_used.iter().map(|n| Cow::Borrowed(n.as_str())).collect();
    each_var_name(&node.raw_code, |prefix, name| {
        names.insert(match prefix {
            "" => Cow::Borrowed(name),
            _ => Cow::Owned(format!("{prefix}{name}")),
        });
    });
    for info in used.values() {
        names.extend(info.vars.iter().map(|n| Cow::Borrowed(n.as_str())));
    }
    text.clear();
    for name in &names {
        text.extend_from_slice(name.as_bytes());
        text.push(b'=');
        match name.strip_prefix("env:") {
            Some(env) => match std::env::var(env) {
                Ok(v) => write_canonical(&Value::String(v), &mut text),
                Err(_) => write_canonical(&Value::Null, &mut text),
            },
            None => write_canonical(jinja.vars.get(name.as_ref()).unwrap_or(&Value::Null), &mut text),
        }
        text.push(b'\n');
    }
    out.set(Kind::Vars, Sum::of(&text));
    out
}

/// The `yaml` checksum of a node's schema YAML entry (see `write_without_tests`); None when
/// the entry cannot be read back as JSON.
pub(crate) fn of_patch(patch: &crate::project::schema::NodePatch) -> Option<Sum> {
    let value = serde_json::to_value(patch).ok()?;
    let mut text = Vec::with_capacity(256);
    write_without_tests(&value, &mut text);
    Some(Sum::of(&text))
}

/// `canonical` of a schema YAML entry without its tests: tests are nodes of their own (a new
/// one is `state:new`), and adding one changes nothing the model builds. Written without
/// copying the entry.
fn write_without_tests(entry: &Value, out: &mut Vec<u8>) {
    let Value::Object(m) = entry else {
        return write_canonical(entry, out);
    };
    write_object_with(m, out, &["data_tests", "unit_tests"], |key, value, out| {
        match (key, value) {
            ("columns", Value::Array(cols)) => {
                out.push(b'[');
                for (i, c) in cols.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    match c {
                        Value::Object(c) => write_object(c, out, &["data_tests"]),
                        other => write_canonical(other, out),
                    }
                }
                out.push(b']');
            }
            _ => write_canonical(value, out),
        }
    });
}

/// The checksums of a source table: its YAML definition (not the database a target fills in).
pub(crate) fn of_source(source: &SourceNode) -> Checksums {
    let mut out = Checksums::default();
    out.set(Kind::Yaml, Sum::of(canonical(&source.yaml).as_bytes()));
    out
}

/// Every identifier in a text (with repeats): the runs of alphanumeric characters and `_`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    // Whether a word character starts at `i`, and its length.
    let at = move |i: usize| -> (bool, usize) {
        let b = bytes[i];
        if b.is_ascii() {
            return (b.is_ascii_alphanumeric() || b == b'_', 1);
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        (c.is_alphanumeric(), c.len_utf8())
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            if i >= bytes.len() {
                return None;
            }
            let (word, len) = at(i);
            if word {
                break;
            }
            i += len;
        }
        let start = i;
        while i < bytes.len() {
            let (word, len) = at(i);
            if !word {
                break;
            }
            i += len;
        }
        Some(&text[start..i])
    })
}

/// Names passed as literal strings to `var(...)` (as `name`) and `env_var(...)` (as `env:NAME`).
pub(crate) fn var_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    each_var_name(text, |prefix, name| {
        out.insert(format!("{prefix}{name}"));
    });
    out
}

/// `var_names`, each as its prefix (`""` or `"env:"`) and name, without collecting them.
fn each_var_name<'a>(text: &'a str, mut found: impl FnMut(&'static str, &'a str)) {
    for (pattern, prefix) in [("var(", ""), ("env_var(", "env:")] {
        let mut from = 0;
        while let Some(idx) = text[from..].find(pattern) {
            let start = from + idx;
            from = start + pattern.len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let arg = text[from..].trim_start();
            let Some(q) = arg.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            if let Some(end) = arg[1..].find(q) {
                found(prefix, &arg[1..1 + end]);
            }
        }
    }
}

/// JSON with object keys sorted, so that reordering keys in YAML changes nothing.
pub(crate) fn canonical(v: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(v, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Compact JSON, as `serde_json` writes it, with object keys in sorted order (written
/// straight out: this runs for every node's checksums).
fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => write_object(m, out, &[]),
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

/// An object without the keys in `skip`.
fn write_object(m: &Map<String, Value>, out: &mut Vec<u8>, skip: &[&str]) {
    write_object_with(m, out, skip, |_, v, out| write_canonical(v, out));
}

/// An object without the keys in `skip`, each value written by `value`.
fn write_object_with(
    m: &Map<String, Value>,
    out: &mut Vec<u8>,
    skip: &[&str],
    value: impl Fn(&str, &Value, &mut Vec<u8>),
) {
    let mut entries: Vec<(&String, &Value)> = m.iter().filter(|(k, _)| !skip.contains(&k.as_str())).collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut *out, k);
        out.push(b':');
        value(k, v, out);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_indexes_its_name() {
        let kinds = [Kind::Body, Kind::Configs, Kind::Yaml, Kind::Macros, Kind::Vars];
        let names: Vec<&str> = kinds.iter().map(|&k| KINDS[k as usize]).collect();
        assert_eq!(names, ["body", "configs", "yaml", "macros", "vars"]);
        assert_eq!(kinds.len(), KINDS.len());
    }

    #[test]
    fn checksums_are_written_in_hex_in_alphabetical_order_and_compared_with_stored_hex() {
        let mut sums = Checksums::default();
        for k in 0..KINDS.len() {
            sums.0[k] = Some(Sum::of(&[k as u8]));
        }
        let json = serde_json::to_string(&sums).unwrap();
        let want: Vec<String> = ["body", "configs", "macros", "vars", "yaml"]
            .iter()
            .map(|kind| {
                let k = KINDS.iter().position(|known| known == kind).unwrap();
                format!("\"{kind}\":\"{}\"", sha256_hex(&[k as u8]))
            })
            .collect();
        assert_eq!(json, format!("{{{}}}", want.join(",")));
        let body = sums.iter().next().unwrap().1;
        assert!(body.matches(&sha256_hex(&[0])));
        assert!(!body.matches(&sha256_hex(&[1])));
        assert!(!body.matches("not hex"));
        assert!(!Sum::Unreadable.matches("unreadable"));
        let mut source = Checksums::default();
        source.set(Kind::Yaml, Sum::Unreadable);
        assert_eq!(serde_json::to_string(&source).unwrap(), r#"{"yaml":"unreadable"}"#);
    }

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
