//! The SQL check, the stage after compile: each compiled node's SQL is parsed with the
//! target's dialect (`crate::sql`), the relations it reads are resolved (`relations`), its
//! output columns are derived, references to columns that provably do not exist are reported
//! (`messages`), and each output column's upstream columns are recorded (`lineage`).
//!
//! Parsing runs in parallel; column analysis runs level by level over the DAG (a model's
//! columns need its parents'), each level in parallel. All errors are reported together,
//! before anything runs. Set `MOZT_SQL_CHECK=0` to turn the whole analysis off.

pub mod catalog;
pub mod lineage;
pub mod messages;
pub mod relations;
mod shapes;
pub mod statements;
mod text;

use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use sqlparser::dialect::Dialect;

use crate::compile::Compiled;
use crate::error::{Error, ErrorKind, Result, combine};
use crate::hash::FastMap;
use crate::jinja::JinjaEnv;
use crate::manifest::{Manifest, Node, ResourceType};
use crate::sql::columns::{Analyzer, Col, Shape};
use crate::sql::parse::{self, Outcome};
use crate::sql::{NodeLineage, dialect_for, single_query};
use relations::{Catalog, NodeResolver};
pub use text::{TextColumns, check_text, columns_of_text};

/// Whether the analysis is on (`MOZT_SQL_CHECK=0`/`off`/`false` turns it off).
pub fn enabled() -> bool {
    !matches!(
        std::env::var("MOZT_SQL_CHECK").map(|v| v.to_ascii_lowercase()),
        Ok(v) if v == "0" || v == "off" || v == "false"
    )
}

pub struct Input<'a> {
    pub jinja: &'a JinjaEnv,
    pub manifest: &'a Arc<Manifest>,
    pub root: &'a Path,
    pub target_dir: &'a str,
    /// The target's warehouse (its SQL dialect).
    pub target_kind: crate::project::AdapterKind,
    /// Hard-coded relations are errors, not warnings.
    pub strict: bool,
    /// Source columns read from the warehouse catalog (empty when not connected).
    pub source_columns: &'a catalog::SourceColumns,
}

#[derive(Debug, Default)]
pub struct Analysis {
    /// Output columns and lineage per node index (models and snapshots that could be analysed).
    pub lineage: HashMap<usize, NodeLineage>,
    /// Whether a node's column list is exactly known.
    pub complete: HashMap<usize, bool>,
    /// Warnings (hard-coded relations without --strict), already logged.
    pub warnings: Vec<Error>,
}

/// Analyse the compiled nodes, record lineage in `compiled`, log warnings, and fail with every
/// error found.
pub fn check_compiled(input: &Input, compiled: &mut HashMap<usize, Compiled>) -> Result<Analysis> {
    if !enabled() {
        return Ok(Analysis::default());
    }
    let sql: HashMap<usize, (&str, bool)> = compiled
        .iter()
        .map(|(&i, c)| (i, (c.sql.as_str(), c.incremental)))
        .collect();
    let analysis = analyze(input, &sql)?;
    for (i, l) in &analysis.lineage {
        if let Some(c) = compiled.get_mut(i) {
            c.lineage = Some(l.clone());
        }
    }
    Ok(analysis)
}

/// Parse one node's SQL: its query when it can be analysed, None when it is not a single
/// query or sqlparser cannot read it (logged), or the syntax error.
fn parse_node(
    input: &Input,
    dialect: &dyn sqlparser::dialect::Dialect,
    node: &Node,
    text: &str,
    incremental: bool,
) -> std::result::Result<Option<Box<sqlparser::ast::Query>>, Error> {
    match parse::parse(text, dialect) {
        Outcome::Parsed(statements) => Ok(single_query(statements)),
        Outcome::Skipped(reason) => {
            tracing::debug!("{}: SQL not analysed: {reason}", node.name);
            Ok(None)
        }
        Outcome::Syntax(err) => {
            let path = compiled_path(input, node);
            Err(with_file_map(input, node, incremental, |map| {
                messages::syntax_error(&messages::Subject::of(node), &err, &path, text, map)
            }))
        }
    }
}

/// Call `f` with the map from the node's compiled SQL back to its model file (None when the
/// node cannot be rendered again with output spans). Only built for a node with an error.
fn with_file_map<T>(
    input: &Input,
    node: &Node,
    incremental: bool,
    f: impl FnOnce(Option<&messages::FileMap>) -> T,
) -> T {
    let spans = crate::compile::render_spans(input.jinja, input.manifest, node, incremental);
    let map = spans.as_ref().map(|(raw, spans)| messages::FileMap {
        raw,
        spans,
        template: &node.template,
        source: &node.raw_code,
    });
    f(map.as_ref())
}

/// Analyse compiled SQL (node index -> (sql, rendered incrementally)). Each model is parsed
/// and analysed in one go, level by level over the DAG, so that no more than a level's syntax
/// trees are held at once.
pub fn analyze(input: &Input, sql: &HashMap<usize, (&str, bool)>) -> Result<Analysis> {
    let dialect = dialect_for(input.target_kind);
    let started = std::time::Instant::now();
    let mut indices: Vec<usize> = sql.keys().copied().collect();
    indices.sort_unstable();
    let (mut errors, (analysis, model_errors)) = rayon::join(
        || check_tests(input, dialect.as_ref(), sql, &indices),
        || analyse_models(input, dialect.as_ref(), sql, &indices),
    );
    errors.extend(model_errors);
    tracing::debug!("SQL check of {} nodes in {:?}", indices.len(), started.elapsed());
    for w in &analysis.warnings {
        tracing::warn!("{w}");
    }
    if errors.is_empty() {
        Ok(analysis)
    } else {
        let mut e = combine(errors);
        e.kind = ErrorKind::Project;
        Err(e)
    }
}

/// Tests: syntax only. They are parsed alongside the models, filling the gaps at the end of
/// each level; tests whose SQL differs only in the relations it names are parsed once per
/// group.
fn check_tests(
    input: &Input,
    dialect: &(dyn Dialect + Send + Sync),
    sql: &HashMap<usize, (&str, bool)>,
    indices: &[usize],
) -> Vec<Error> {
    let manifest = input.manifest;
    let check = |i: usize| {
        let (text, incremental) = sql[&i];
        parse_node(input, dialect, &manifest.nodes[i], text, incremental).err()
    };
    let keyed: Vec<(usize, Option<String>)> = indices
        .par_iter()
        .filter(|&&i| manifest.nodes[i].resource_type == ResourceType::Test)
        .map(|&i| (i, shapes::key(manifest, &manifest.nodes[i], sql[&i].0)))
        .collect();
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    let mut alone = vec![];
    for (i, key) in keyed {
        match key {
            Some(k) => groups.entry(k).or_default().push(i),
            None => alone.push(i),
        }
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.extend(alone.into_iter().map(|i| vec![i]));
    let mut errors: Vec<(usize, Error)> = groups
        .par_iter()
        .flat_map_iter(|group| match check(group[0]) {
            None => vec![],
            Some(first) if group.len() == 1 => vec![(group[0], first)],
            Some(_) => group.iter().filter_map(|&i| check(i).map(|e| (i, e))).collect(),
        })
        .collect();
    errors.sort_by_key(|(i, _)| *i);
    let tested: usize = groups.iter().map(Vec::len).sum();
    tracing::debug!("syntax of {tested} tests checked with {} parses", groups.len());
    errors.into_iter().map(|(_, e)| e).collect()
}

/// Models and snapshots: syntax, relations, columns and lineage, parents before children.
fn analyse_models(
    input: &Input,
    dialect: &(dyn Dialect + Send + Sync),
    sql: &HashMap<usize, (&str, bool)>,
    indices: &[usize],
) -> (Analysis, Vec<Error>) {
    let manifest = input.manifest;
    let analysable: BTreeSet<usize> = indices
        .iter()
        .copied()
        .filter(|&i| {
            matches!(
                manifest.nodes[i].resource_type,
                ResourceType::Model | ResourceType::Snapshot
            )
        })
        .collect();
    let (catalog, (mut shapes, levels)) = rayon::join(
        || Catalog::new(manifest),
        || {
            rayon::join(
                || base_shapes(manifest, input.root, input.source_columns),
                || levels(manifest, &analysable),
            )
        },
    );
    let mut analysis = Analysis::default();
    let mut errors: Vec<Error> = vec![];
    for level in levels {
        let results: Vec<Analysed> = level
            .par_iter()
            .map(|&i| {
                let resolver = NodeResolver {
                    manifest,
                    catalog: &catalog,
                    node: &manifest.nodes[i],
                    shapes: &shapes,
                };
                analyse_node(input, dialect, &resolver, sql[&i])
            })
            .collect();
        for (&i, r) in level.iter().zip(results) {
            errors.extend(r.errors);
            analysis.warnings.extend(r.warnings);
            let Some((complete, lineage, shape)) = r.result else {
                continue;
            };
            analysis.complete.insert(i, complete);
            analysis.lineage.insert(i, Arc::new(lineage));
            shapes.insert(manifest.nodes[i].unique_id.as_str(), shape);
        }
    }
    (analysis, errors)
}

/// What the analysis of one model or snapshot found.
struct Analysed {
    /// Whether its column list is exact, its lineage (named columns), and its columns as its
    /// children see them; None when its SQL could not be analysed.
    result: Option<(bool, Vec<Col>, Shape)>,
    errors: Vec<Error>,
    warnings: Vec<Error>,
}

/// Parse and analyse one model or snapshot (its parents' shapes are known), and drop its syntax
/// tree before returning.
fn analyse_node(
    input: &Input,
    dialect: &dyn Dialect,
    resolver: &NodeResolver,
    (text, incremental): (&str, bool),
) -> Analysed {
    let node = resolver.node;
    let mut out = Analysed {
        result: None,
        errors: vec![],
        warnings: vec![],
    };
    let q = match parse_node(input, dialect, node, text, incremental) {
        Ok(Some(q)) => q,
        Ok(None) => return out,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let mut an = Analyzer::new(resolver);
    let shape = an.analyze(&q);
    drop(q);
    // Only a node with something to report needs its file's name.
    let path = if an.issues.is_empty() && an.unresolved.is_empty() {
        String::new()
    } else {
        compiled_path(input, node)
    };
    if !an.issues.is_empty() {
        with_file_map(input, node, incremental, |map| {
            for issue in &an.issues {
                out.errors.push(messages::column_error(
                    &messages::Subject::of(node),
                    issue,
                    &path,
                    text,
                    map,
                ));
            }
        });
    }
    for u in &an.unresolved {
        let e = relations::hard_coded(resolver.catalog, node, u, input.strict, &path);
        let e = if u.span.start.line > 0 {
            e.with_source_line(text)
        } else {
            e
        };
        if input.strict {
            out.errors.push(e);
        } else {
            out.warnings.push(e);
        }
    }
    // Snapshots add their own columns (dbt_valid_from, ...), and a custom materialization may
    // build something else than the select's columns.
    let standard = node.materialized().keeps_select_columns();
    let complete = shape.complete;
    let lineage: Vec<Col> = shape.cols.into_iter().filter(|c| !c.name.is_empty()).collect();
    // Its children see each column as derived from the model itself.
    let id: Arc<str> = Arc::from(node.unique_id.as_str());
    let seen = Shape::of_relation(&id, lineage.iter().map(|c| c.name.clone()), complete && standard);
    out.result = Some((complete, lineage, seen));
    out
}

fn compiled_path(input: &Input, node: &Node) -> String {
    crate::compile::display_path(&crate::compile::compiled_path(
        input.target_dir,
        &input.manifest.project_name,
        node,
    ))
}

/// Columns known before any SQL is read: seeds (their CSV header, exact) and sources (a seed's
/// header when a seed loads them, else the warehouse catalog's columns when connected, exact,
/// else their YAML columns, which may be incomplete). A model's columns are its YAML columns
/// until its SQL says better (`NodeResolver` falls back to them).
fn base_shapes<'m>(manifest: &'m Manifest, root: &Path, catalog: &catalog::SourceColumns) -> FastMap<&'m str, Shape> {
    let mut shapes = FastMap::default();
    let id = |s: &str| -> Arc<str> { Arc::from(s) };
    let mut seed_by_relation: HashMap<String, Vec<String>> = HashMap::new();
    // Each seed's header is read on the workers.
    let seeds: Vec<(&Node, Vec<String>)> = manifest
        .nodes
        .par_iter()
        .filter(|n| n.resource_type == ResourceType::Seed)
        .filter_map(|n| relations::seed_columns(root, n).map(|cols| (n, cols)))
        .collect();
    for (n, cols) in seeds {
        if let Some(r) = &n.relation {
            seed_by_relation.insert(r.to_string().to_ascii_lowercase(), cols.clone());
        }
        let shape = Shape::of_relation(&id(&n.unique_id), cols.iter().map(String::as_str), true);
        shapes.insert(n.unique_id.as_str(), shape);
    }
    for s in &manifest.sources {
        let sid = id(&s.unique_id);
        let shape = match seed_by_relation.get(&s.relation.to_string().to_ascii_lowercase()) {
            Some(cols) => Shape::of_relation(&sid, cols.iter().map(String::as_str), true),
            None => match catalog.get(&s.unique_id) {
                Some(cols) => Shape::of_relation(&sid, cols.iter().map(String::as_str), true),
                None => Shape::of_relation(&sid, s.columns.keys().map(String::as_str), false),
            },
        };
        shapes.insert(s.unique_id.as_str(), shape);
    }
    shapes
}

/// The analysable nodes grouped so that every node comes after the nodes it depends on.
fn levels(manifest: &Manifest, queries: &BTreeSet<usize>) -> Vec<Vec<usize>> {
    let depth = depths(manifest, queries);
    let mut out: Vec<Vec<usize>> = vec![];
    for &i in queries {
        let d = depth[i];
        if out.len() <= d {
            out.resize(d + 1, vec![]);
        }
        out[d].push(i);
    }
    if out.is_empty() {
        out.push(vec![]);
    }
    out
}

/// Each analysable node's depth (by node index): 0 with no analysable parent, else one more
/// than its deepest analysable parent. A walk with a stack of its own, so that a chain of any
/// length of models cannot overflow the thread's stack; a node met again while its own depth is
/// being found (a cycle, which the DAG rejects elsewhere) counts as depth 0 there.
fn depths(manifest: &Manifest, queries: &BTreeSet<usize>) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    const VISITING: usize = usize::MAX - 1;
    let mut depth = vec![UNSEEN; manifest.nodes.len()];
    let parents = |i: usize| -> Vec<usize> {
        manifest.nodes[i]
            .depends_on
            .iter()
            .filter_map(|dep| manifest.index_of(dep))
            .filter(|j| queries.contains(j))
            .collect()
    };
    for &root in queries {
        if depth[root] != UNSEEN {
            continue;
        }
        // (node, its parents, how many of them are done, its depth so far)
        let mut stack: Vec<(usize, Vec<usize>, usize, usize)> = vec![(root, parents(root), 0, 0)];
        depth[root] = VISITING;
        while let Some(top) = stack.last_mut() {
            let (node, ps, next, d) = top;
            let Some(&p) = ps.get(*next) else {
                let done = *d;
                depth[*node] = done;
                stack.pop();
                if let Some((_, _, next, d)) = stack.last_mut() {
                    *d = (*d).max(done + 1);
                    *next += 1;
                }
                continue;
            };
            match depth[p] {
                UNSEEN => {
                    depth[p] = VISITING;
                    let pp = parents(p);
                    stack.push((p, pp, 0, 0));
                }
                VISITING => {
                    *d = (*d).max(1);
                    *next += 1;
                }
                known => {
                    *d = (*d).max(known + 1);
                    *next += 1;
                }
            }
        }
    }
    depth
}
