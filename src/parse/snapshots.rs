//! Snapshots (type-2 slowly changing dimensions): `{% snapshot name %} ... {% endsnapshot %}`
//! blocks in snapshots/*.sql, or YAML entries under `snapshots:` with a `relation:`.

use serde_json::Value;

use crate::error::{Error, Location, Result};
use crate::manifest::node::{Node, ResourceType};
use crate::project::{Project, SourceFile};

/// A snapshot found in a file: its name, the body template text (padded with newlines so
/// line numbers match the file), and the file it came from.
pub(crate) struct SnapshotSource {
    pub name: String,
    pub file: SourceFile,
    pub template: String,
    pub config: serde_json::Map<String, Value>,
}

/// Every snapshot block of the project's snapshot files and YAML.
pub(crate) fn find(project: &Project) -> Result<Vec<SnapshotSource>> {
    let mut out = vec![];
    for file in &project.snapshots {
        out.extend(blocks(file)?);
    }
    for doc in &project.schema_files {
        for p in &doc.content.snapshots {
            let Some(relation) = p.other.get("relation").and_then(Value::as_str) else {
                continue; // properties for a snapshot defined in a .sql file
            };
            let expr = relation.trim().trim_start_matches("{{").trim_end_matches("}}").trim();
            out.push(SnapshotSource {
                name: p.name.clone(),
                file: SourceFile {
                    path: doc.path.clone(),
                    text: doc.text.as_str().into(),
                    package: project.package_of(&doc.path).map(|p| p.name.as_str().into()),
                },
                template: format!("select * from {{{{ {expr} }}}}"),
                config: p.config.clone(),
            });
        }
    }
    Ok(out)
}

fn tag_name<'a>(tag_inner: &'a str, keyword: &str) -> Option<&'a str> {
    let t = tag_inner.trim_matches(['-', '+']).trim();
    let rest = t.strip_prefix(keyword)?;
    if keyword.starts_with("end") {
        return rest.trim().is_empty().then_some("");
    }
    rest.starts_with(char::is_whitespace).then(|| rest.trim())
}

fn blocks(file: &SourceFile) -> Result<Vec<SnapshotSource>> {
    let text = &file.text;
    let mut out = vec![];
    let mut pos = 0;
    while let Some(open_rel) = text[pos..].find("{%") {
        let open = pos + open_rel;
        let Some(close_rel) = text[open..].find("%}") else {
            break;
        };
        let close = open + close_rel + 2;
        let inner = &text[open + 2..close - 2];
        if let Some(name) = tag_name(inner, "snapshot") {
            let body_start = close;
            let mut search = body_start;
            let end = loop {
                let Some(o) = text[search..].find("{%") else {
                    let line = text[..open].matches('\n').count() + 1;
                    return Err(Error::project(format!("snapshot '{name}' has no {{% endsnapshot %}}"))
                        .at(Location::at(&file.path, line))
                        .help("close the block with {% endsnapshot %}"));
                };
                let o = search + o;
                let Some(c) = text[o..].find("%}") else { break None };
                let c = o + c + 2;
                if tag_name(&text[o + 2..c - 2], "endsnapshot").is_some() {
                    break Some((o, c));
                }
                search = c;
            };
            let Some((body_end, after)) = end else { break };
            let lines_before = text[..body_start].matches('\n').count();
            let template = format!("{}{}", "\n".repeat(lines_before), &text[body_start..body_end]);
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(Error::project(format!("'{name}' is not a valid snapshot name"))
                    .at(Location::at(&file.path, lines_before + 1)));
            }
            out.push(SnapshotSource {
                name: name.to_string(),
                file: file.clone(),
                template,
                config: Default::default(),
            });
            pos = after;
        } else {
            pos = close;
        }
    }
    Ok(out)
}

/// Checks a parsed snapshot's config: a unique key and a strategy with what it needs.
pub(crate) fn check_config(node: &Node) -> Result<()> {
    if node.resource_type != ResourceType::Snapshot {
        return Ok(());
    }
    let at = || Location::file(&node.original_file_path);
    let help = "e.g. {{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}";
    if node.config.get("unique_key").is_none_or(Value::is_null) {
        return Err(Error::project(format!("snapshot {} needs a unique_key", node.name))
            .at(at())
            .help(help));
    }
    let text = |key: &str| node.config.get(key).and_then(Value::as_str);
    match text("strategy") {
        Some("timestamp") if text("updated_at").is_none() => Err(Error::project(format!(
            "snapshot {} uses strategy 'timestamp' but names no updated_at column",
            node.name
        ))
        .at(at())
        .help(help)),
        Some("check") if node.config.get("check_cols").is_none() => Err(Error::project(format!(
            "snapshot {} uses strategy 'check' but names no check_cols",
            node.name
        ))
        .at(at())
        .help("set check_cols to a list of columns, or 'all'")),
        Some("timestamp") | Some("check") => Ok(()),
        other => Err(Error::project(format!(
            "snapshot {} has strategy {}; use 'timestamp' or 'check'",
            node.name,
            other.map(|s| format!("'{s}'")).unwrap_or_else(|| "unset".into())
        ))
        .at(at())
        .help(help)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn finds_blocks_and_keeps_lines() {
        let file = SourceFile {
            path: PathBuf::from("snapshots/s.sql"),
            text: "-- c\n{% snapshot users_snap %}\n{{ config(unique_key='id') }}\nselect 1\n{% endsnapshot %}\n"
                .into(),
            package: None,
        };
        let b = blocks(&file).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].name, "users_snap");
        assert_eq!(b[0].template.lines().nth(3), Some("select 1"));
        let bad = SourceFile {
            path: PathBuf::from("s.sql"),
            text: "{% snapshot x %}\nselect 1\n".into(),
            package: None,
        };
        assert!(blocks(&bad).is_err());
    }
}
