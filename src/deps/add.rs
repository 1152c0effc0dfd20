//! `mozt deps --add-package NAME@VERSION [--source hub|git|local]`: add an entry to the packages
//! file (replacing an entry for the same package), as dbt 1.11 does. As in dbt, the file is
//! written again whole in dbt's YAML layout (keys sorted; comments are not kept).

use serde_json::{Map, Value};
use std::path::Path;

use super::lock::yaml_scalar;
use super::spec::{DEPENDENCIES_FILE, PACKAGES_FILE};
use crate::error::{Error, Result};

/// Where a package added with `--add-package` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AddSource {
    #[default]
    Hub,
    Git,
    Local,
}

/// `NAME@VERSION` split; a value without exactly one `@` is a name without a version.
pub fn split_name_version(arg: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = arg.split('@').collect();
    match parts.as_slice() {
        [name, version] if !version.is_empty() => (name.to_string(), Some(version.to_string())),
        [name, _] => (name.to_string(), None),
        _ => (arg.to_string(), None),
    }
}

/// The entry dbt writes for a package: `package`/`version` (hub), `git`/`revision`, `local`.
fn entry(name: &str, version: Option<&str>, source: AddSource) -> Value {
    let (key, version_key) = match source {
        AddSource::Hub => ("package", "version"),
        AddSource::Git => ("git", "revision"),
        AddSource::Local => ("local", "version"),
    };
    let mut m = Map::new();
    m.insert(key.into(), Value::String(name.into()));
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        let value = if v.contains(',') {
            Value::Array(v.split(',').map(|p| Value::String(p.to_string())).collect())
        } else {
            Value::String(v.to_string())
        };
        m.insert(version_key.into(), value);
    }
    Value::Object(m)
}

/// Does an entry name the same package (dbt's loose match: `_` and `-` alike, with or without
/// the namespace, bounded by `/` or `.`)?
fn same_package(entry: &Value, name: &str) -> bool {
    let Some(id) = ["package", "git", "local", "tarball", "private"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str))
    else {
        return false;
    };
    let mut variants = vec![name.to_string(), name.replace('_', "-"), name.replace('-', "_")];
    if let Some(short) = name.rsplit('/').next().filter(|_| name.contains('/')) {
        variants.extend([short.to_string(), short.replace('_', "-"), short.replace('-', "_")]);
    }
    variants.into_iter().any(|v| {
        let Some(idx) = id.find(&v) else { return false };
        let before_ok = idx == 0 || id[..idx].ends_with(['/', '.']);
        let end = idx + v.len();
        let after_ok = end == id.len() || id[end..].starts_with(['/', '.']);
        before_ok && after_ok
    })
}

/// Add the package to the project's packages file; each line of progress goes to `say`.
pub fn add_package(dir: &Path, shown: &Path, arg: &str, source: AddSource, say: &mut dyn FnMut(&str)) -> Result<()> {
    let (name, version) = split_name_version(arg);
    if name.is_empty() {
        return Err(Error::project("--add-package needs a package: NAME@VERSION"));
    }
    // dependencies.yml when it holds the packages, else packages.yml (created when missing).
    let deps_file = dir.join(DEPENDENCIES_FILE);
    let deps_has_packages = std::fs::read_to_string(&deps_file)
        .ok()
        .and_then(|t| serde_yaml_ng::from_str::<Value>(&t).ok())
        .is_some_and(|d| d.get("packages").is_some());
    let file = if deps_has_packages {
        DEPENDENCIES_FILE
    } else {
        PACKAGES_FILE
    };
    let path = dir.join(file);
    let shown_path = shown.join(file);
    let mut doc: Value = match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => {
            serde_yaml_ng::from_str(&text).map_err(|e| crate::error::yaml_error(&shown_path, &e, &text))?
        }
        Ok(_) => serde_json::json!({"packages": []}),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            say(&format!("Created {file}"));
            serde_json::json!({"packages": []})
        }
        Err(e) => return Err(Error::io(&shown_path, e)),
    };
    let Some(Value::Array(list)) = doc.get_mut("packages") else {
        return Err(Error::project(format!("{} has no `packages:` list", shown_path.display())).in_file(&shown_path));
    };
    let mut kept = Vec::with_capacity(list.len());
    for e in list.drain(..) {
        if same_package(&e, &name) {
            say(&format!(
                "Found duplicate package in {file}, removing: {}",
                python_repr(&e)
            ));
        } else {
            kept.push(e);
        }
    }
    kept.push(entry(&name, version.as_deref(), source));
    *list = kept;
    let text = dump(&doc)?;
    std::fs::write(&path, text).map_err(|e| Error::io(&shown_path, e))?;
    say(&format!(
        "Added new package {name}@{} to {}",
        version.as_deref().unwrap_or("None"),
        shown_path.display()
    ));
    Ok(())
}

/// A value as Python prints a dict (dbt's message shows the removed entry so).
fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{s}'"),
        Value::Array(a) => format!("[{}]", a.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .filter(|(_, v)| !matches!(v, Value::Object(_) | Value::Array(_)))
                .map(|(k, v)| format!("'{k}': {}", python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// How deeply nested a dumped document may be.
const MAX_DEPTH: usize = 32;

/// A document in the block layout dbt's YAML dumper writes: keys sorted, lists indented under
/// their key, strings quoted only where needed.
pub fn dump(doc: &Value) -> Result<String> {
    let mut out = String::new();
    match doc {
        Value::Object(m) if !m.is_empty() => dump_map(m, 0, &mut out, 0)?,
        other => {
            out.push_str(&inline(other).unwrap_or_default());
            out.push('\n');
        }
    }
    Ok(out)
}

/// A scalar or an empty collection on one line; None for a collection with items.
fn inline(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(yaml_scalar(s)),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn too_deep() -> Error {
    Error::project(format!("the packages file is nested more than {MAX_DEPTH} levels deep"))
}

fn dump_map(m: &Map<String, Value>, indent: usize, out: &mut String, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for (i, k) in keys.into_iter().enumerate() {
        // The first key of a list item follows its `- `.
        if !(i == 0 && out.ends_with("- ")) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&yaml_scalar(k));
        out.push(':');
        let v = &m[k.as_str()];
        match inline(v) {
            Some(s) => {
                out.push(' ');
                out.push_str(&s);
                out.push('\n');
            }
            None => {
                out.push('\n');
                dump_block(v, indent + 2, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

fn dump_block(v: &Value, indent: usize, out: &mut String, depth: usize) -> Result<()> {
    match v {
        Value::Object(m) => dump_map(m, indent, out, depth),
        Value::Array(items) => {
            if depth > MAX_DEPTH {
                return Err(too_deep());
            }
            for (i, item) in items.iter().enumerate() {
                if !(i == 0 && out.ends_with("- ")) {
                    out.push_str(&" ".repeat(indent));
                }
                out.push_str("- ");
                match inline(item) {
                    Some(s) => {
                        out.push_str(&s);
                        out.push('\n');
                    }
                    None => dump_block(item, indent + 2, out, depth + 1)?,
                }
            }
            Ok(())
        }
        other => {
            out.push_str(&inline(other).unwrap_or_default());
            out.push('\n');
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_like_dbts_yaml_dumper() {
        let doc = serde_json::json!({
            "packages": [
                {"version": [">=1.0.0", "<2.0.0"], "package": "dbt-labs/dbt_utils"},
                {"git": "https://x/y.git", "revision": "1.0", "warn-unpinned": false},
                {"local": "../a"},
                {"package": "c/d", "version": "1.0.0", "x": {}, "y": [], "z": null}
            ],
            "other": {"k": [[1, 2]]}
        });
        // What PyYAML's dump with dbt's dumper writes for the same document.
        let expected = "other:\n  k:\n    - - 1\n      - 2\npackages:\n  - package: dbt-labs/dbt_utils\n    version:\n      - '>=1.0.0'\n      - <2.0.0\n  - git: https://x/y.git\n    revision: '1.0'\n    warn-unpinned: false\n  - local: ../a\n  - package: c/d\n    version: 1.0.0\n    x: {}\n    y: []\n    z: null\n";
        assert_eq!(dump(&doc).unwrap(), expected);
        assert_eq!(dump(&serde_json::json!({"packages": []})).unwrap(), "packages: []\n");
    }

    #[test]
    fn duplicates_match_loosely() {
        let hub = serde_json::json!({"package": "dbt-labs/dbt_utils", "version": "1.0.0"});
        let git = serde_json::json!({"git": "https://github.com/dbt-labs/dbt-utils.git"});
        assert!(same_package(&hub, "dbt-labs/dbt_utils"));
        assert!(same_package(&git, "dbt-labs/dbt_utils"));
        assert!(!same_package(&hub, "dbt-labs/dbt_utils_extra"));
        assert!(!same_package(
            &serde_json::json!({"package": "x/dbt_utils_extra"}),
            "dbt_utils"
        ));
    }

    #[test]
    fn name_and_version() {
        assert_eq!(split_name_version("a/b@1.0.0"), ("a/b".into(), Some("1.0.0".into())));
        assert_eq!(split_name_version("a/b"), ("a/b".into(), None));
        assert_eq!(split_name_version("git@github.com:a/b@v1").0, "git@github.com:a/b@v1");
    }
}
