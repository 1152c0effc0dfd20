//! `package-lock.yml`, written as dbt writes it and honoured as dbt honours it.
//!
//! The lock lists every installed package (dependencies included) pinned: a hub package at one
//! version, a git package at one commit, with the project `name` each was installed as; and
//! `sha1_hash`, dbt's hash of the packages file's entries. While that hash matches the packages
//! file, `mozt deps` installs exactly what the lock lists, without resolving again.

use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

use super::resolve::{Pin, Resolved};
use super::spec::{self, Origin, PackageSpec, Requirer};
use crate::error::{Error, Result};

pub const LOCK_FILE: &str = "package-lock.yml";

/// dbt's `sha1_hash` of a packages file: each entry as JSON with sorted keys (Python's
/// `json.dumps(..., sort_keys=True)`), the lines sorted, joined by newlines, hashed with SHA-1.
pub fn spec_hash(specs: &[PackageSpec]) -> String {
    use sha1::Digest;
    let mut lines: Vec<String> = specs.iter().map(|s| python_json(&s.hash_form)).collect();
    lines.sort();
    super::resolve::hex(&sha1::Sha1::digest(lines.join("\n").as_bytes()))
}

/// JSON the way Python's `json.dumps(value, sort_keys=True)` writes it: `", "` and `": "` between
/// items, keys sorted, non-ASCII escaped as `\uXXXX`.
pub fn python_json(value: &Value) -> String {
    let mut out = String::new();
    write_py(value, &mut out);
    out
}

fn write_py(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_py_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py(v, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_str(k, out);
                out.push_str(": ");
                if let Some(v) = map.get(k) {
                    write_py(v, out);
                }
            }
            out.push('}');
        }
    }
}

fn write_py_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One entry of the lock (keys in dbt's order: sorted).
fn lock_entry(p: &Resolved) -> Vec<(&'static str, String)> {
    let mut e: Vec<(&'static str, String)> = match &p.pin {
        Pin::Hub { package, version, .. } => vec![("package", package.clone()), ("version", version.clone())],
        Pin::Git {
            url_written,
            revision,
            subdirectory,
            ..
        } => {
            let mut v = vec![
                ("git", url_written.clone()),
                ("revision", p.sha.clone().unwrap_or_else(|| revision.clone())),
            ];
            if let Some(s) = subdirectory {
                v.push(("subdirectory", s.clone()));
            }
            v
        }
        Pin::Local { path } => vec![("local", path.clone())],
        Pin::Tarball { url_written, .. } => vec![("tarball", url_written.clone())],
    };
    e.push(("name", p.name.clone()));
    e.sort_by_key(|(k, _)| *k);
    e
}

/// The lock file's text, as dbt's YAML dumper writes it.
pub fn render(packages: &[Resolved], hash: &str) -> String {
    let mut out = String::from("packages:\n");
    for p in packages {
        for (i, (k, v)) in lock_entry(p).into_iter().enumerate() {
            let lead = if i == 0 { "  - " } else { "    " };
            let _ = writeln!(out, "{lead}{k}: {}", yaml_scalar(&v));
        }
    }
    let _ = writeln!(out, "sha1_hash: {}", yaml_scalar(hash));
    out
}

/// A string as PyYAML writes it: plain when it reads back as the same string, else quoted.
pub fn yaml_scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else if s.chars().all(|c| !c.is_control()) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if s.starts_with(' ') || s.ends_with(' ') || s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if "#,[]{}&*!|>'\"%@`?:".contains(first) || (first == '-' && (s.len() == 1 || s[1..].starts_with(' '))) {
        return false;
    }
    if s.contains(['\n', '\t', ',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off"
    ) {
        return false;
    }
    // Numbers (ints, floats), and dates, read back as other types.
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let numeric = !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '_' || c == '.' || c == 'e' || c == 'E')
        && body.chars().filter(|c| *c == '.').count() <= 1
        && body.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.');
    let special_float = matches!(lower.trim_start_matches(['-', '+']), ".inf" | ".nan");
    let hex_or_oct = body.starts_with("0x") || body.starts_with("0o") || body.starts_with("0b");
    let date = s.len() >= 10 && s.as_bytes()[4] == b'-' && s[..4].bytes().all(|b| b.is_ascii_digit());
    !(numeric || special_float || hex_or_oct || date)
}

/// A lock file, read.
#[derive(Debug, Clone)]
pub struct Lock {
    pub hash: Option<String>,
    pub specs: Vec<PackageSpec>,
}

/// Read `package-lock.yml` of the project in `root`, if there is one.
pub fn read(root: &Path, shown_root: &Path, vars: &spec::Vars) -> Result<Option<Lock>> {
    let path = root.join(LOCK_FILE);
    let shown = shown_root.join(LOCK_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&shown, e)),
    };
    let doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| crate::error::yaml_error(&shown, &e, &text))?;
    let hash = doc.get("sha1_hash").and_then(Value::as_str).map(str::to_string);
    let entries = match doc.get("packages") {
        Some(Value::Array(a)) => a.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(
                Error::project(format!("{}: `packages:` must be a list", shown.display()))
                    .in_file(&shown)
                    .help("delete package-lock.yml and run `mozt deps` to write it again"),
            );
        }
    };
    let lines = spec::item_lines(&text, "packages");
    let mut specs = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let origin = Origin {
            requirer: Requirer::Root,
            file: Some(shown.clone()),
            line: lines.get(i).copied(),
        };
        specs.push(spec::parse_entry(entry, origin, vars).map_err(|e| {
            e.with_source_line(&text)
                .help("delete package-lock.yml (or run `mozt deps --upgrade`) to resolve the packages again")
        })?);
    }
    Ok(Some(Lock { hash, specs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_matches_json_dumps() {
        let v: Value = serde_json::json!({"version": [">=1.0.0", "<2.0.0"], "package": "a/b", "x": null, "é": 1.5});
        assert_eq!(
            python_json(&v),
            r#"{"package": "a/b", "version": [">=1.0.0", "<2.0.0"], "x": null, "\u00e9": 1.5}"#
        );
    }

    #[test]
    fn spec_hash_matches_dbt() {
        // The entries and the hash dbt-core 1.11 computes for them (`_create_sha1_hash`).
        let yaml = "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n  - package: a/b\n    version: 1.1.0\n    install_prerelease: true\n  - git: file:///x/repo.git\n    revision: v1.0\n    subdirectory: sub\n    warn-unpinned: false\n  - git: file:///y\n  - local: ../loc\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("packages.yml"), yaml).unwrap();
        let file = spec::read_project_specs(dir.path(), Path::new(""), &Requirer::Root, &spec::Vars::new())
            .unwrap()
            .unwrap();
        assert_eq!(spec_hash(&file.specs), "c918252c60172d83b84466546eb62e427503621c");
    }

    #[test]
    fn scalars_quoted_like_pyyaml() {
        assert_eq!(yaml_scalar("1.1.0"), "1.1.0");
        assert_eq!(yaml_scalar("1.5"), "'1.5'");
        assert_eq!(yaml_scalar("1234567"), "'1234567'");
        assert_eq!(yaml_scalar("file:///tmp/x.git"), "file:///tmp/x.git");
        assert_eq!(yaml_scalar("../local"), "../local");
        assert_eq!(yaml_scalar("yes"), "'yes'");
        assert_eq!(yaml_scalar("a: b"), "'a: b'");
        assert_eq!(yaml_scalar("{{ env_var('X') }}"), "'{{ env_var(''X'') }}'");
    }
}
