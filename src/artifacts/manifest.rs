//! target/manifest.json, written straight from the manifest: every node's entry is serialized
//! to bytes on the worker threads (borrowed fields, no `serde_json::Value` tree: at 10,000
//! models that tree took seconds and hundreds of MB), and the pieces go to the file in order.

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use crate::check::lineage::LineageJson;
use crate::compile::Compiled;
use crate::error::{Error, Result};
use crate::files::AtomicFile;
use crate::manifest::publish::Constraint;
use crate::manifest::unit_test::{Fixture, UnitSpec};
use crate::manifest::{ColumnInfo, Node, ResourceType, SourceNode};
use crate::relation::Relation;
use crate::state::checksum::Checksums;

/// The sections of manifest v12 that mozt leaves empty, and the closing brace.
const EMPTY_SECTIONS: &[u8] = b"},\"macros\":{},\"docs\":{},\"exposures\":{},\"metrics\":{},\"groups\":{},\"selectors\":{},\"disabled\":{},\"group_map\":{},\"saved_queries\":{},\"semantic_models\":{}}";

/// Entries serialized per task: enough to keep a task's overhead small.
const CHUNK: usize = 256;
/// Entries serialized, then written, at a time (a few MB).
const BATCH: usize = 8 * CHUNK;

pub(super) const SCHEMA_VERSION: &str = "https://schemas.getdbt.com/dbt/manifest/v12.json";

/// dbt's `checksum` of a node (its FileHash): the body's SHA-256, or `none` without a body.
#[derive(Serialize)]
struct FileHash {
    name: &'static str,
    checksum: String,
}

impl FileHash {
    fn of(checksums: &Checksums) -> FileHash {
        match checksums.body_hex() {
            Some(checksum) => FileHash {
                name: "sha256",
                checksum,
            },
            None => FileHash {
                name: "none",
                checksum: String::new(),
            },
        }
    }
}

/// What mozt itself reads back from manifest.json (`--state`, `--defer`, the docs site): every
/// kind's checksum and the column lineage, under `meta.mozt` (dbt's schema leaves `meta` open).
#[derive(Serialize)]
struct MoztExtras<'a> {
    checksums: &'a Checksums,
    #[serde(skip_serializing_if = "Option::is_none")]
    columns_lineage: Option<LineageJson<'a>>,
}

/// An entry's `meta`: the user's `meta` config, and mozt's extras.
#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    user: Option<&'a Map<String, Value>>,
    mozt: MoztExtras<'a>,
}

fn user_meta(config: &Map<String, Value>) -> Option<&Map<String, Value>> {
    config.get("meta").and_then(Value::as_object)
}

/// What a node reads; a seed reads nothing, and dbt's schema gives it no `nodes`.
#[derive(Serialize)]
struct DependsOn<'a> {
    macros: [&'a str; 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes: Option<&'a [String]>,
}

/// A generic test's name and arguments (dbt's `test_metadata`).
#[derive(Serialize)]
struct TestMetadata<'a> {
    name: &'a str,
    kwargs: &'a Map<String, Value>,
    namespace: Option<&'a str>,
}

/// What names a node in every kind of entry (dbt's `name` to `fqn`).
#[derive(Serialize)]
struct Identity<'a> {
    name: &'a str,
    resource_type: ResourceType,
    package_name: &'a str,
    path: String,
    original_file_path: &'a Path,
    unique_id: &'a str,
    fqn: &'a [String],
}

impl<'a> Identity<'a> {
    fn of(n: &'a Node) -> Identity<'a> {
        Identity {
            name: &n.name,
            resource_type: n.resource_type,
            package_name: &n.package_name,
            path: resource_path(&n.original_file_path),
            original_file_path: &n.original_file_path,
            unique_id: &n.unique_id,
            fqn: &n.fqn,
        }
    }
}

/// A node's entry (model, seed, snapshot, data test) in dbt's manifest v12 shape.
#[derive(Serialize)]
struct NodeEntry<'a> {
    database: Option<&'a str>,
    schema: &'a str,
    #[serde(flatten)]
    identity: Identity<'a>,
    alias: &'a str,
    checksum: FileHash,
    config: &'a Map<String, Value>,
    tags: &'a [String],
    description: &'a str,
    columns: &'a IndexMap<String, ColumnInfo>,
    meta: Meta<'a>,
    depends_on: DependsOn<'a>,
    /// A model's own constraints (dbt's model-level constraints).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    constraints: &'a [Constraint],
    relation_name: Option<String>,
    raw_code: &'a str,
    /// Not on a seed (dbt's schema has no compiled SQL for seeds).
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compiled_path: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attached_node: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_metadata: Option<TestMetadata<'a>>,
}

/// A path below the resource's folder (dbt's `path`: `marts/dim_users.sql` for
/// `models/marts/dim_users.sql`).
fn resource_path(original: &Path) -> String {
    let mut parts = original.components();
    parts.next();
    let rest = parts.as_path();
    let path = if rest.as_os_str().is_empty() { original } else { rest };
    path.to_string_lossy().into_owned()
}

impl<'a> NodeEntry<'a> {
    fn new(
        ctx: &'a super::Context<'a>,
        n: &'a Node,
        checksums: &'a Checksums,
        compiled: Option<&'a Compiled>,
    ) -> NodeEntry<'a> {
        // A test or an ephemeral model builds nothing: dbt still gives it the target's schema
        // and its name as alias; `relation_name` stays null, which is what `--defer` reads.
        let (database, schema, alias) = match &n.relation {
            Some(r) => (r.database.as_deref(), r.schema.as_str(), r.identifier.as_str()),
            None => (
                ctx.target.database.as_deref(),
                ctx.target.schema.as_str(),
                n.name.as_str(),
            ),
        };
        let test = n.test.as_ref();
        let seed = n.resource_type == ResourceType::Seed;
        NodeEntry {
            database,
            schema,
            identity: Identity::of(n),
            alias,
            checksum: FileHash::of(checksums),
            config: &n.config,
            tags: &n.settings.tags,
            description: &n.description,
            columns: &n.columns,
            meta: Meta {
                user: user_meta(&n.config),
                mozt: MoztExtras {
                    checksums,
                    columns_lineage: compiled.and_then(|c| c.lineage.as_ref()).map(LineageJson),
                },
            },
            depends_on: DependsOn {
                macros: [],
                nodes: (!seed).then_some(n.depends_on.as_slice()),
            },
            constraints: &n.constraints,
            relation_name: n.relation.as_ref().map(Relation::to_string),
            raw_code: &n.raw_code,
            language: (!seed).then_some("sql"),
            compiled_path: (!seed).then(|| compiled.map(|c| crate::compile::display_path(&c.path))),
            column_name: test.and_then(|t| t.column_name.as_deref()),
            attached_node: test.and_then(|t| t.attached_to.as_deref()),
            test_metadata: test.filter(|t| t.test_name != "singular").map(|t| TestMetadata {
                name: &t.test_name,
                kwargs: &t.kwargs,
                namespace: None,
            }),
        }
    }
}

/// A source table's entry in dbt's manifest v12 shape.
#[derive(Serialize)]
struct SourceEntry<'a> {
    database: Option<&'a str>,
    schema: &'a str,
    name: &'a str,
    resource_type: &'static str,
    package_name: &'a str,
    path: String,
    original_file_path: &'a Path,
    unique_id: &'a str,
    fqn: [&'a str; 3],
    source_name: &'a str,
    source_description: &'static str,
    loader: &'static str,
    identifier: &'a str,
    loaded_at_field: Option<&'a str>,
    freshness: Option<&'a Value>,
    description: &'a str,
    columns: &'a IndexMap<String, ColumnInfo>,
    meta: Meta<'a>,
    relation_name: String,
}

impl<'a> SourceEntry<'a> {
    fn new(ctx: &'a super::Context<'a>, s: &'a SourceNode, checksums: &'a Checksums) -> SourceEntry<'a> {
        SourceEntry {
            database: s.relation.database.as_deref(),
            schema: &s.relation.schema,
            name: &s.name,
            resource_type: "source",
            package_name: &ctx.manifest.project_name,
            path: s.original_file_path.to_string_lossy().into_owned(),
            original_file_path: &s.original_file_path,
            unique_id: &s.unique_id,
            fqn: [&ctx.manifest.project_name, &s.source_name, &s.name],
            source_name: &s.source_name,
            source_description: "",
            loader: "",
            identifier: &s.relation.identifier,
            loaded_at_field: s.loaded_at_field.as_deref(),
            freshness: s.freshness.as_ref(),
            description: &s.description,
            columns: &s.columns,
            meta: Meta {
                user: None,
                mozt: MoztExtras {
                    checksums,
                    columns_lineage: None,
                },
            },
            relation_name: s.relation.to_string(),
        }
    }
}

/// Rows of a unit test's input or expectation, as dbt's fixtures: `dict` rows or `sql`.
#[derive(Serialize)]
struct FixtureEntry<'a> {
    rows: FixtureRows<'a>,
    format: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum FixtureRows<'a> {
    Dict(&'a [Map<String, Value>]),
    Sql(&'a str),
}

impl<'a> FixtureEntry<'a> {
    fn new(f: &'a Fixture) -> FixtureEntry<'a> {
        match f {
            Fixture::Rows { rows, .. } => FixtureEntry {
                rows: FixtureRows::Dict(rows),
                format: "dict",
            },
            Fixture::Sql { sql } => FixtureEntry {
                rows: FixtureRows::Sql(sql),
                format: "sql",
            },
        }
    }
}

#[derive(Serialize)]
struct GivenEntry<'a> {
    input: String,
    #[serde(flatten)]
    fixture: FixtureEntry<'a>,
}

/// A unit test's entry (manifest v12's `unit_tests`). The schema gives it no `meta`, so
/// mozt's extras go in its config's `meta.mozt`.
#[derive(Serialize)]
struct UnitTestEntry<'a> {
    model: &'a str,
    given: Vec<GivenEntry<'a>>,
    expect: FixtureEntry<'a>,
    #[serde(flatten)]
    identity: Identity<'a>,
    description: &'a str,
    overrides: Value,
    depends_on: DependsOn<'a>,
    config: Value,
    checksum: Option<String>,
}

impl<'a> UnitTestEntry<'a> {
    fn new(n: &'a Node, spec: &'a UnitSpec, checksums: &'a Checksums) -> serde_json::Result<UnitTestEntry<'a>> {
        let mut config = n.config.clone();
        let mut meta = user_meta(&n.config).cloned().unwrap_or_default();
        meta.insert(
            "mozt".into(),
            serde_json::to_value(MoztExtras {
                checksums,
                columns_lineage: None,
            })?,
        );
        config.insert("meta".into(), Value::Object(meta));
        Ok(UnitTestEntry {
            model: &spec.model,
            given: spec
                .given
                .iter()
                .map(|g| GivenEntry {
                    input: g.input.label(),
                    fixture: FixtureEntry::new(&g.fixture),
                })
                .collect(),
            expect: FixtureEntry::new(&spec.expect),
            identity: Identity::of(n),
            description: &n.description,
            overrides: serde_json::json!({
                "vars": spec.vars,
                "macros": if spec.is_incremental { serde_json::json!({"is_incremental": true}) } else { serde_json::json!({}) },
                "env_vars": {},
            }),
            depends_on: DependsOn {
                macros: [],
                nodes: Some(&n.depends_on),
            },
            config: Value::Object(config),
            checksum: checksums.body_hex(),
        })
    }
}

/// Write target/manifest.json: every node with its checksums (by node index) and, for the
/// compiled ones, their compiled path and column lineage.
pub(crate) fn write_manifest(
    ctx: &super::Context<'_>,
    checksums: &[Checksums],
    compiled: &HashMap<usize, Compiled>,
) -> Result<()> {
    let m = ctx.manifest;
    let started = Instant::now();
    #[cfg(debug_assertions)]
    check_node_fields(ctx, checksums);
    let path = ctx.dir.join("manifest.json");
    super::create_parent(&path)?;
    let io_err = |e: std::io::Error| write_err(&path, e);
    let mut out = AtomicFile::create(&path).map_err(io_err)?;
    out.write(&[&head(ctx)?]).map_err(io_err)?;
    let (units, plain): (Vec<usize>, Vec<usize>) =
        (0..m.nodes.len()).partition(|&i| m.nodes[i].resource_type == ResourceType::UnitTest);
    // child_map's index is built on the side while the workers write the nodes.
    let (written, parents) = rayon::join(
        || {
            stream_entries(&mut out, &path, &plain, |buf, _, &i| {
                let n = &m.nodes[i];
                key(buf, &n.unique_id)?;
                serde_json::to_writer(buf, &NodeEntry::new(ctx, n, &checksums[i], compiled.get(&i)))
            })
        },
        || children_by_parent(&m.nodes),
    );
    written?;
    out.write(&[b"},\"sources\":{"]).map_err(io_err)?;
    stream_entries(&mut out, &path, &m.sources, |buf, _, s| {
        key(buf, &s.unique_id)?;
        let checksums = crate::state::checksum::of_source(s);
        serde_json::to_writer(buf, &SourceEntry::new(ctx, s, &checksums))
    })?;
    out.write(&[b"},\"unit_tests\":{"]).map_err(io_err)?;
    write_unit_tests(&mut out, &path, &m.nodes, &units, checksums)?;
    out.write(&[b"},\"parent_map\":{"]).map_err(io_err)?;
    stream_entries(&mut out, &path, &m.nodes, |buf, _, n| {
        key(buf, &n.unique_id)?;
        serde_json::to_writer(buf, &n.depends_on)
    })?;
    out.write(&[b"},\"child_map\":{"]).map_err(io_err)?;
    write_child_map(&mut out, &path, &m.nodes, &parents)?;
    // What dbt's schema requires and mozt does not have (macros are not listed: a node's
    // `macros` checksum covers them).
    out.write(&[EMPTY_SECTIONS]).map_err(io_err)?;
    let bytes = out.finish().map_err(io_err)?;
    tracing::debug!(
        "wrote manifest.json ({} nodes, {bytes} bytes) in {:?}",
        m.nodes.len(),
        started.elapsed()
    );
    Ok(())
}

/// The file's start: `{"metadata":{..},"nodes":{`.
fn head(ctx: &super::Context<'_>) -> Result<Vec<u8>> {
    let json_err = |e: serde_json::Error| Error::runtime(format!("cannot write manifest.json: {e}"));
    let mut metadata = ctx.dbt_metadata(SCHEMA_VERSION);
    metadata["project_name"] = ctx.manifest.project_name.clone().into();
    metadata["adapter_type"] = ctx.target.kind.as_str().into();
    let mut head = b"{\"metadata\":".to_vec();
    serde_json::to_writer(&mut head, &metadata).map_err(json_err)?;
    head.extend_from_slice(b",\"nodes\":{");
    Ok(head)
}

/// The `unit_tests` members: the nodes at `units`, each with its spec.
fn write_unit_tests(
    out: &mut AtomicFile,
    path: &Path,
    nodes: &[Node],
    units: &[usize],
    checksums: &[Checksums],
) -> Result<()> {
    stream_entries(out, path, units, |buf, _, &i| {
        let n = &nodes[i];
        let Some(spec) = &n.unit else {
            return Err(serde::ser::Error::custom(format!(
                "{} has no unit test spec",
                n.unique_id
            )));
        };
        key(buf, &n.unique_id)?;
        serde_json::to_writer(buf, &UnitTestEntry::new(n, spec, &checksums[i])?)
    })
}

/// The `child_map` members: each parent's children by unique id.
fn write_child_map(out: &mut AtomicFile, path: &Path, nodes: &[Node], parents: &[(&str, Vec<usize>)]) -> Result<()> {
    stream_entries(out, path, parents, |buf, _, (parent, children)| {
        key(buf, parent)?;
        buf.push(b'[');
        for (j, &c) in children.iter().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            serde_json::to_writer(&mut *buf, &nodes[c].unique_id)?;
        }
        buf.push(b']');
        Ok(())
    })
}

fn write_err(path: &Path, e: std::io::Error) -> Error {
    Error::runtime(format!("cannot write {}: {e}", path.display()))
}

/// `"key":`
fn key(buf: &mut Vec<u8>, key: &str) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *buf, key)?;
    buf.push(b':');
    Ok(())
}

/// The members of a JSON object, one per item, comma-separated, written by `write(buf, index,
/// item)` on the workers a chunk at a time and appended to `out` in order. A batch of chunks is
/// written to the file while the next is serialized, into the buffers of the one before: the
/// file is never whole in memory, and its buffers stop growing after the first batches.
fn stream_entries<T: Sync>(
    out: &mut AtomicFile,
    path: &Path,
    items: &[T],
    write: impl Fn(&mut Vec<u8>, usize, &T) -> serde_json::Result<()> + Sync,
) -> Result<()> {
    let serialize = |first: usize, batch: &[T], bufs: &mut Vec<Vec<u8>>| -> serde_json::Result<()> {
        let chunks = batch.len().div_ceil(CHUNK);
        bufs.resize_with(chunks.max(bufs.len()), Vec::new);
        bufs.par_iter_mut()
            .zip(batch.par_chunks(CHUNK))
            .enumerate()
            .try_for_each(|(c, (buf, chunk))| {
                buf.clear();
                for (j, item) in chunk.iter().enumerate() {
                    let i = first + c * CHUNK + j;
                    if i > 0 {
                        buf.push(b',');
                    }
                    write(buf, i, item)?;
                }
                Ok(())
            })?;
        bufs.truncate(chunks);
        Ok(())
    };
    let write_out = |out: &mut AtomicFile, bufs: &[Vec<u8>]| {
        out.write(&bufs.iter().map(Vec::as_slice).collect::<Vec<_>>())
            .map_err(|e| write_err(path, e))
    };
    let mut ready: Vec<Vec<u8>> = vec![];
    let mut spare: Vec<Vec<u8>> = vec![];
    let mut first = 0;
    for batch in items.chunks(BATCH) {
        let (written, serialized) =
            rayon::join(|| write_out(&mut *out, &ready), || serialize(first, batch, &mut spare));
        written?;
        serialized.map_err(|e| write_err(path, e.into()))?;
        std::mem::swap(&mut ready, &mut spare);
        first += batch.len();
    }
    write_out(out, &ready)
}

/// Unique id -> the nodes that depend on it (child_map), in the order the nodes are listed;
/// parents in the order they are first named.
fn children_by_parent(nodes: &[Node]) -> Vec<(&str, Vec<usize>)> {
    let mut slot: crate::hash::FastMap<&str, usize> = Default::default();
    let mut parents: Vec<(&str, Vec<usize>)> = vec![];
    for (i, n) in nodes.iter().enumerate() {
        for d in &n.depends_on {
            let k = *slot.entry(d).or_insert_with(|| {
                parents.push((d, vec![]));
                parents.len() - 1
            });
            parents[k].1.push(i);
        }
    }
    parents
}

/// Fields of `Node` that manifest.json writes under another name (dbt's).
#[cfg(debug_assertions)]
const RENAMED: &[(&str, &str)] = &[("relation", "relation_name"), ("test", "test_metadata")];

/// `NodeEntry` lists `Node`'s fields by hand: a field added to `Node` must be added there too
/// (or manifest.json silently loses it). Debug builds (the tests) check it on every write.
#[cfg(debug_assertions)]
fn check_node_fields(ctx: &super::Context<'_>, checksums: &[Checksums]) {
    let nodes = &ctx.manifest.nodes;
    let keys = |v: Value| -> Vec<String> { v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default() };
    let first_test = nodes.iter().position(|n| {
        n.resource_type == ResourceType::Test && n.test.as_ref().is_some_and(|t| t.test_name != "singular")
    });
    for i in [Some(0), first_test].into_iter().flatten().filter(|&i| i < nodes.len()) {
        let own = keys(serde_json::to_value(&nodes[i]).unwrap_or_default());
        let entry = keys(serde_json::to_value(NodeEntry::new(ctx, &nodes[i], &checksums[i], None)).unwrap_or_default());
        for field in own {
            let written = RENAMED
                .iter()
                .find(|(from, _)| *from == field)
                .map_or(field.as_str(), |(_, to)| to);
            assert!(
                entry.iter().any(|k| k == written),
                "Node's field {field} is not in NodeEntry (src/artifacts/manifest.rs): add it there"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::lineage::{LineageJson, to_json};
    use crate::sql::columns::Col;
    use crate::sql::refs::{Ref, Refs};

    /// Several batches (and a part batch), written while the next is serialized into the
    /// previous one's buffers, make the same object as serializing it whole.
    #[test]
    fn streamed_entries_make_the_whole_object_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        for n in [0, 1, super::CHUNK + 1, 2 * super::BATCH + 3 * super::CHUNK + 7] {
            let items: Vec<String> = (0..n).map(|i| format!("node_{i}")).collect();
            let mut out = crate::files::AtomicFile::create(&path).unwrap();
            out.write(&[b"{"]).unwrap();
            super::stream_entries(&mut out, &path, &items, |buf, i, item| {
                super::key(buf, item)?;
                serde_json::to_writer(buf, &i)
            })
            .unwrap();
            out.write(&[b"}"]).unwrap();
            out.finish().unwrap();
            let read: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let expected: serde_json::Map<String, serde_json::Value> =
                items.iter().enumerate().map(|(i, k)| (k.clone(), i.into())).collect();
            assert_eq!(read, expected, "{n} entries");
            assert!(read.keys().eq(items.iter()), "{n} entries in order");
        }
    }

    #[test]
    fn lineage_serializes_as_to_json_builds_it() {
        let r = |node: &str, column: &str| Ref {
            node: node.into(),
            column: column.into(),
        };
        let col = |name: &str, from: Vec<Ref>| {
            let mut refs = Refs::new();
            refs.extend(from);
            Col {
                name: name.into(),
                from: refs,
            }
        };
        let lineage = std::sync::Arc::new(vec![
            col("z", vec![r("model.p.b", "y"), r("model.p.a", "x"), r("model.p.b", "a")]),
            col("constant", vec![]),
            col("a", vec![r("source.p.s.t", "id")]),
        ]);
        let direct = serde_json::to_string(&LineageJson(&lineage)).expect("serializes");
        assert_eq!(direct, to_json(&lineage).to_string());
        assert_eq!(
            direct,
            r#"{"z":{"model.p.a":["x"],"model.p.b":["a","y"]},"constant":{},"a":{"source.p.s.t":["id"]}}"#
        );
    }
}
