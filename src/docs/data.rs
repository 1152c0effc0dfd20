//! The site's data: one JSON document with every node and source (descriptions, columns and
//! their types and tests, config, raw and compiled SQL, column lineage, the warehouse's catalog,
//! the last run's and the last freshness check's results), written as a script
//! (`window.MOZT_DOCS = {...};`) so the site opens from the file system without a server.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Write;

use super::catalog::{Catalog, TableEntry};
use crate::check::lineage::LineageJson;
use crate::compile::Compiled;
use crate::manifest::{ColumnInfo, Manifest, Node, SourceNode};
use crate::project::doc_blocks::DocBlocks;
use std::borrow::Cow;

/// What the site shows besides the manifest: read from the project's target folder.
pub(crate) struct Extras<'a> {
    pub metadata: Value,
    pub catalog: &'a Catalog,
    /// target/run_results.json's `results`, by unique id.
    pub run_results: HashMap<String, Value>,
    /// target/sources.json's `results`, by unique id.
    pub freshness: HashMap<String, Value>,
    /// `{% docs %}` blocks that descriptions pull in with `{{ doc('name') }}`.
    pub blocks: DocBlocks,
}

/// A column, declared in YAML or only in the warehouse (which always gives its type).
#[derive(Serialize)]
struct Column<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_type: Option<&'a str>,
    description: Cow<'a, str>,
}

#[derive(Serialize)]
struct NodeDoc<'a> {
    id: &'a str,
    name: &'a str,
    /// model, seed, snapshot, test, unit_test or source.
    kind: &'a str,
    materialized: &'a str,
    package: &'a str,
    path: String,
    fqn: &'a [String],
    description: Cow<'a, str>,
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    config: &'a Map<String, Value>,
    depends_on: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    relation: Option<String>,
    columns: Vec<Value>,
    #[serde(skip_serializing_if = "str::is_empty")]
    raw_sql: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    compiled_sql: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lineage: Option<LineageJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test: Option<&'a crate::manifest::TestInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog: Option<&'a TableEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a Value>,
}

#[derive(Serialize)]
struct SourceDoc<'a> {
    id: &'a str,
    name: String,
    kind: &'static str,
    source_name: &'a str,
    table: &'a str,
    path: String,
    description: Cow<'a, str>,
    relation: String,
    columns: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loaded_at_field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    freshness_config: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    freshness: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog: Option<&'a TableEntry>,
}

#[derive(Serialize)]
struct Doc<'a> {
    metadata: &'a Value,
    nodes: Vec<NodeDoc<'a>>,
    sources: Vec<SourceDoc<'a>>,
}

/// A node's owner: `config.meta.owner`, else `config.owner`.
fn owner(config: &Map<String, Value>) -> Option<&str> {
    config
        .get("meta")
        .and_then(|m| m.get("owner"))
        .and_then(Value::as_str)
        .or_else(|| config.get("owner").and_then(Value::as_str))
}

/// The YAML's columns, with the warehouse's types, then the warehouse's other columns.
fn columns(
    declared: &IndexMap<String, ColumnInfo>,
    catalog: Option<&TableEntry>,
    blocks: &DocBlocks,
    owner_name: &str,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(declared.len());
    let typed = |name: &str| {
        catalog.and_then(|c| {
            c.columns
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.data_type.as_str())
        })
    };
    for c in declared.values() {
        let data_type = typed(&c.name).or(c.data_type.as_deref());
        out.push(serde_json::to_value(Column {
            name: &c.name,
            data_type,
            description: blocks.resolve(&c.description, &format!("{owner_name}.{}", c.name)),
        }));
    }
    if let Some(cat) = catalog {
        for c in cat.columns.values() {
            if !declared.keys().any(|k| k.eq_ignore_ascii_case(&c.name)) {
                out.push(serde_json::to_value(Column {
                    name: &c.name,
                    data_type: Some(&c.data_type),
                    description: Cow::Borrowed(c.comment.as_deref().unwrap_or("")),
                }));
            }
        }
    }
    out.into_iter().filter_map(|r| r.ok()).collect()
}

fn node_doc<'a>(n: &'a Node, compiled: Option<&'a Compiled>, extras: &'a Extras) -> NodeDoc<'a> {
    let catalog = extras.catalog.nodes.get(&n.unique_id);
    NodeDoc {
        id: &n.unique_id,
        name: &n.name,
        kind: n.resource_type.as_str(),
        materialized: n.materialized().as_str(),
        package: &n.package_name,
        path: n.original_file_path.to_string_lossy().into_owned(),
        fqn: &n.fqn,
        description: extras.blocks.resolve(&n.description, &n.name),
        tags: &n.settings.tags,
        owner: owner(&n.config),
        config: &n.config,
        depends_on: &n.depends_on,
        relation: n.relation.as_ref().map(|r| r.to_string()),
        columns: columns(&n.columns, catalog, &extras.blocks, &n.name),
        raw_sql: &n.raw_code,
        compiled_sql: compiled.map(|c| c.sql.as_str()),
        lineage: compiled.and_then(|c| c.lineage.as_ref()).map(LineageJson),
        test: n.test.as_ref(),
        catalog,
        run: extras.run_results.get(&n.unique_id),
    }
}

fn source_doc<'a>(s: &'a SourceNode, extras: &'a Extras) -> SourceDoc<'a> {
    let catalog = extras.catalog.sources.get(&s.unique_id);
    SourceDoc {
        id: &s.unique_id,
        name: format!("{}.{}", s.source_name, s.name),
        kind: "source",
        source_name: &s.source_name,
        table: &s.name,
        path: s.original_file_path.to_string_lossy().into_owned(),
        description: extras.blocks.resolve(&s.description, &s.unique_id),
        relation: s.relation.to_string(),
        columns: columns(&s.columns, catalog, &extras.blocks, &s.unique_id),
        loaded_at_field: s.loaded_at_field.as_deref(),
        freshness_config: s.freshness.as_ref(),
        freshness: extras.freshness.get(&s.unique_id),
        catalog,
    }
}

/// Write the site's data as `window.MOZT_DOCS = {...};`. `<` is written as `\u003c` inside
/// the JSON so no text from the project can close the script element it is loaded into.
pub(crate) fn write_script(
    out: &mut impl Write,
    manifest: &Manifest,
    compiled: &HashMap<usize, Compiled>,
    extras: &Extras,
) -> std::io::Result<()> {
    let doc = Doc {
        metadata: &extras.metadata,
        nodes: manifest
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| node_doc(n, compiled.get(&i), extras))
            .collect(),
        sources: manifest.sources.iter().map(|s| source_doc(s, extras)).collect(),
    };
    out.write_all(b"window.MOZT_DOCS = ")?;
    let mut escaped = ScriptSafe(out);
    serde_json::to_writer(&mut escaped, &doc).map_err(std::io::Error::other)?;
    escaped.0.write_all(b";\n")
}

/// A writer that replaces `<` with `\u003c` (valid in JSON strings, the only place it can
/// occur in serde_json's output).
struct ScriptSafe<'w, W: Write>(&'w mut W);

impl<W: Write> Write for ScriptSafe<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            if b == b'<' {
                self.0.write_all(&buf[start..i])?;
                self.0.write_all(b"\\u003c")?;
                start = i + 1;
            }
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The `results` of a JSON artifact under target/ (run_results.json, sources.json), by
/// unique id; empty when the file is missing or unreadable (a warning names it).
pub(crate) fn results_by_id(path: &std::path::Path) -> HashMap<String, Value> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashMap::new();
    };
    let doc: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(
                "{} is not valid JSON ({e}); the site shows no results from it",
                path.display()
            );
            return HashMap::new();
        }
    };
    let generated_at = doc.pointer("/metadata/generated_at").cloned();
    let mut out = HashMap::new();
    if let Some(Value::Array(results)) = doc.get("results") {
        for r in results {
            if let Some(id) = r.get("unique_id").and_then(Value::as_str) {
                let mut r = r.clone();
                if let (Value::Object(m), Some(at)) = (&mut r, &generated_at) {
                    m.insert("generated_at".to_string(), at.clone());
                }
                out.insert(id.to_string(), r);
            }
        }
    }
    out
}
