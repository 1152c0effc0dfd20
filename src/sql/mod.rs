//! Everything that reads SQL: after compile, each node's SQL is parsed with the target's
//! dialect (`parse`), the relations it reads are resolved (`relations`), its output columns
//! are derived (`columns`), references to columns that provably do not exist are reported
//! (`check`), and each output column's upstream columns are recorded (`lineage`).
//!
//! Parsing runs in parallel; column analysis runs level by level over the DAG (a model's
//! columns need its parents'), each level in parallel. All errors are reported together,
//! before anything runs. Set `MOZT_SQL_CHECK=0` to turn the whole analysis off.

pub mod check;
pub mod columns;
mod expr;
pub mod lineage;
mod names;
pub mod parse;
pub mod relations;
mod scope;
mod text;

use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, DuckDbDialect, GenericDialect, SnowflakeDialect};

use crate::compile::Compiled;
use crate::error::{Error, ErrorKind, Result, combine};
use crate::jinja::JinjaEnv;
use crate::manifest::{Manifest, Node, ResourceType};
use columns::{Analyzer, ColRef, Shape};
use parse::Outcome;
use relations::{Catalog, NodeResolver};
pub use text::{TextColumns, check_text, columns_of_text};

/// Per output column, in order, the upstream columns it derives from.
pub type NodeLineage = Vec<(String, BTreeSet<ColRef>)>;

/// The sqlparser dialect of a target type.
pub fn dialect_for(kind: &str) -> Box<dyn Dialect + Send + Sync> {
    match kind.to_ascii_lowercase().as_str() {
        "snowflake" => Box::new(SnowflakeDialect {}),
        "duckdb" => Box::new(DuckDbDialect {}),
        _ => Box::new(GenericDialect {}),
    }
}

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
    /// The target's type (`duckdb`, `snowflake`).
    pub target_kind: &'a str,
    /// Hard-coded relations are errors, not warnings.
    pub strict: bool,
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

struct ParsedNode {
    index: usize,
    query: Option<Box<sqlparser::ast::Query>>,
}

/// Analyse compiled SQL (node index -> (sql, rendered incrementally)).
pub fn analyze(input: &Input, sql: &HashMap<usize, (&str, bool)>) -> Result<Analysis> {
    let manifest = input.manifest;
    let dialect = dialect_for(input.target_kind);
    let started = std::time::Instant::now();
    let mut indices: Vec<usize> = sql.keys().copied().collect();
    indices.sort_unstable();

    // 1. Parse everything in parallel.
    let parsed: Vec<(usize, std::result::Result<ParsedNode, Error>)> = indices
        .par_iter()
        .filter(|&&i| {
            matches!(
                manifest.nodes[i].resource_type,
                ResourceType::Model | ResourceType::Snapshot | ResourceType::Test
            )
        })
        .map(|&i| {
            let node = &manifest.nodes[i];
            let (text, incremental) = sql[&i];
            let out = match parse::parse(text, dialect.as_ref()) {
                Outcome::Parsed(statements) => Ok(ParsedNode {
                    index: i,
                    query: single_query(statements),
                }),
                Outcome::Skipped(reason) => {
                    tracing::debug!("{}: SQL not analysed: {reason}", node.name);
                    Ok(ParsedNode { index: i, query: None })
                }
                Outcome::Syntax(err) => {
                    let path = compiled_path(input, node);
                    let spans = crate::compile::render_spans(input.jinja, manifest, node, incremental);
                    let map = spans.as_ref().map(|(raw, spans)| check::FileMap {
                        raw,
                        spans,
                        template: &node.template,
                        source: &node.raw_code,
                    });
                    Err(check::syntax_error(
                        &check::Subject::of(node),
                        &err,
                        &path,
                        text,
                        map.as_ref(),
                    ))
                }
            };
            (i, out)
        })
        .collect();

    let mut errors: Vec<Error> = vec![];
    let mut queries: HashMap<usize, Box<sqlparser::ast::Query>> = HashMap::new();
    for (_, r) in parsed {
        match r {
            Ok(p) => {
                if let Some(q) = p.query
                    && manifest.nodes[p.index].resource_type != ResourceType::Test
                {
                    queries.insert(p.index, q);
                }
            }
            Err(e) => errors.push(e),
        }
    }

    let parsed_in = started.elapsed();

    // 2. Columns, level by level.
    let catalog = Catalog::new(manifest);
    let mut shapes: HashMap<String, Shape> = base_shapes(manifest, input.root);
    let levels = levels(manifest, &queries);
    let mut analysis = Analysis::default();
    let mut warnings: Vec<Error> = vec![];
    for level in levels {
        let results: Vec<(usize, Shape, Vec<Error>, Vec<Error>)> = level
            .par_iter()
            .filter_map(|i| queries.get(i).map(|q| (*i, q)))
            .map(|(i, q)| {
                let node = &manifest.nodes[i];
                let resolver = NodeResolver {
                    catalog: &catalog,
                    node,
                    shapes: &shapes,
                };
                let mut an = Analyzer::new(&resolver);
                let shape = an.analyze(q);
                let (text, incremental) = sql[&i];
                let path = compiled_path(input, node);
                let mut errs = vec![];
                let mut warns = vec![];
                if !an.issues.is_empty() {
                    let spans = crate::compile::render_spans(input.jinja, manifest, node, incremental);
                    let map = spans.as_ref().map(|(raw, spans)| check::FileMap {
                        raw,
                        spans,
                        template: &node.template,
                        source: &node.raw_code,
                    });
                    for issue in &an.issues {
                        errs.push(check::column_error(
                            &check::Subject::of(node),
                            issue,
                            &path,
                            text,
                            map.as_ref(),
                        ));
                    }
                }
                for u in &an.unresolved {
                    let e = relations::hard_coded(&catalog, node, u, input.strict, &path);
                    let e = if u.span.start.line > 0 {
                        e.with_source_line(text)
                    } else {
                        e
                    };
                    if input.strict {
                        errs.push(e);
                    } else {
                        warns.push(e);
                    }
                }
                (i, shape, errs, warns)
            })
            .collect();
        for (i, shape, errs, warns) in results {
            let node = &manifest.nodes[i];
            errors.extend(errs);
            warnings.extend(warns);
            analysis.complete.insert(i, shape.complete);
            analysis.lineage.insert(
                i,
                shape
                    .cols
                    .iter()
                    .filter(|c| !c.name.is_empty())
                    .map(|c| (c.name.clone(), c.from.clone()))
                    .collect(),
            );
            // Snapshots add their own columns (dbt_valid_from, ...), and a custom materialization
            // may build something else than the select's columns.
            let standard = matches!(node.materialized(), "view" | "table" | "incremental" | "ephemeral");
            let shape = if !standard {
                Shape {
                    complete: false,
                    passthrough: None,
                    ..shape
                }
            } else {
                shape
            };
            shapes.insert(node.unique_id.clone(), rebase(&node.unique_id, shape));
        }
    }
    tracing::debug!(
        "SQL check of {} nodes: parsed in {:?}, columns and lineage in {:?}",
        indices.len(),
        parsed_in,
        started.elapsed() - parsed_in
    );
    for w in &warnings {
        tracing::warn!("{w}");
    }
    analysis.warnings = warnings;
    if errors.is_empty() {
        Ok(analysis)
    } else {
        let mut e = combine(errors);
        e.kind = ErrorKind::Project;
        Err(e)
    }
}

/// A model's columns as its children see them: each column derives from the model itself.
fn rebase(id: &str, shape: Shape) -> Shape {
    let names: Vec<String> = shape
        .cols
        .iter()
        .filter(|c| !c.name.is_empty())
        .map(|c| c.name.clone())
        .collect();
    Shape::of_relation(id, &names, shape.complete)
}

fn compiled_path(input: &Input, node: &Node) -> String {
    crate::compile::display_path(&crate::compile::compiled_path(
        input.target_dir,
        &input.manifest.project_name,
        node,
    ))
}

fn single_query(statements: Vec<Statement>) -> Option<Box<sqlparser::ast::Query>> {
    let mut it = statements.into_iter();
    match (it.next(), it.next()) {
        (Some(Statement::Query(q)), None) => Some(q),
        _ => None,
    }
}

/// Columns known before any SQL is read: seeds (their CSV header, exact), sources (a seed's
/// header when a seed loads them, else their YAML columns, which may be incomplete), and models
/// (their YAML columns, until their SQL says better).
fn base_shapes(manifest: &Manifest, root: &Path) -> HashMap<String, Shape> {
    let mut shapes = HashMap::new();
    let mut seed_by_relation: HashMap<String, Vec<String>> = HashMap::new();
    for n in &manifest.nodes {
        match n.resource_type {
            ResourceType::Seed => {
                if let Some(cols) = relations::seed_columns(root, n) {
                    if let Some(r) = &n.relation {
                        seed_by_relation.insert(r.to_string().to_ascii_lowercase(), cols.clone());
                    }
                    shapes.insert(n.unique_id.clone(), Shape::of_relation(&n.unique_id, &cols, true));
                }
            }
            ResourceType::Model | ResourceType::Snapshot => {
                let cols: Vec<String> = n.columns.keys().cloned().collect();
                shapes.insert(n.unique_id.clone(), Shape::of_relation(&n.unique_id, &cols, false));
            }
            _ => {}
        }
    }
    for s in &manifest.sources {
        let shape = match seed_by_relation.get(&s.relation.to_string().to_ascii_lowercase()) {
            Some(cols) => Shape::of_relation(&s.unique_id, cols, true),
            None => {
                let cols: Vec<String> = s.columns.keys().cloned().collect();
                Shape::of_relation(&s.unique_id, &cols, false)
            }
        };
        shapes.insert(s.unique_id.clone(), shape);
    }
    shapes
}

/// The analysable nodes grouped so that every node comes after the nodes it depends on.
fn levels(manifest: &Manifest, queries: &HashMap<usize, Box<sqlparser::ast::Query>>) -> Vec<Vec<usize>> {
    let mut depth: HashMap<usize, usize> = HashMap::new();
    fn depth_of(
        i: usize,
        manifest: &Manifest,
        queries: &HashMap<usize, Box<sqlparser::ast::Query>>,
        memo: &mut HashMap<usize, usize>,
        guard: &mut BTreeSet<usize>,
    ) -> usize {
        if let Some(&d) = memo.get(&i) {
            return d;
        }
        if !guard.insert(i) {
            return 0;
        }
        let mut d = 0;
        for dep in &manifest.nodes[i].depends_on {
            if let Some(j) = manifest.index_of(dep)
                && queries.contains_key(&j)
            {
                d = d.max(depth_of(j, manifest, queries, memo, guard) + 1);
            }
        }
        guard.remove(&i);
        memo.insert(i, d);
        d
    }
    let mut keys: Vec<usize> = queries.keys().copied().collect();
    keys.sort_unstable();
    for &i in &keys {
        depth_of(i, manifest, queries, &mut depth, &mut BTreeSet::new());
    }
    let max = depth.values().copied().max().unwrap_or(0);
    let mut out = vec![vec![]; max + 1];
    for i in keys {
        out[depth[&i]].push(i);
    }
    out
}
