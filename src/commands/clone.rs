//! `mozt clone --from-target prod` (or `--state prod-artifacts/`, the relations a previous
//! run's manifest.json names): put copies of production's relations into the current target's
//! schemas, so that a CI schema starts from production's data without
//! rebuilding it. Tables: a zero-copy `clone` on Snowflake, a copy on DuckDB. Views:
//! `select * from` the other target's view (on DuckDB across two database files, a copy, as a
//! view cannot outlive the attached file).

use std::collections::{BTreeSet, HashMap};

use crate::adapter::Catalog;
use crate::adapter::{self, RelationKind};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, Materialization, ResourceType};
use crate::project::{AdapterKind, Target};
use crate::relation::{Quoting, Relation};
use crate::run::output::{plural, say};

use crate::engine::{LoadOptions, Selection, Session};

/// The alias an other DuckDB file is attached under.
const ATTACHED: &str = "mozt_clone_from";

struct Pair {
    index: usize,
    from: Relation,
    to: Relation,
}

pub fn run(load: &LoadOptions, selection: &Selection, from_target: Option<&str>) -> Result<i32> {
    let session = Session::load(load)?;
    let selected = session.select(
        selection,
        &[ResourceType::Model, ResourceType::Seed, ResourceType::Snapshot],
    )?;
    let (label, from, found, other_file) = match from_target {
        Some(name) => {
            let from = other_target(&session, name)?;
            let vars = crate::engine::parse_vars(load.vars.as_deref())?;
            // Not from the partial parse cache: it holds the renders of the current target.
            let manifest = crate::parse::parse(&session.project, &from, &vars, false)?.manifest;
            let relations: HashMap<String, Relation> = manifest
                .nodes
                .iter()
                .filter_map(|n| Some((n.unique_id.clone(), n.relation.clone()?)))
                .collect();
            // What the other target holds, read through its own connection.
            let schemas: BTreeSet<String> = relations.values().map(|r| r.schema.clone()).collect();
            let a = adapter::for_target(&from, &session.project.root)?;
            let found = Catalog::new(a.connect()?.list_relations(&schemas.into_iter().collect::<Vec<_>>())?);
            let other_file = duckdb_other_file(&session, &from);
            (format!("target {}", from.name), relations, Some(found), other_file)
        }
        None => {
            let Some(previous) = session.previous_state(selection)? else {
                return Err(Error::project("clone needs the relations to copy from").help(
                    "pass --from-target NAME (a target in project.yml) or --state DIR (a previous run's artifacts)",
                ));
            };
            let quoting = Quoting::for_target_type(session.target.kind);
            let relations = previous
                .nodes
                .iter()
                .filter_map(|(id, n)| Some((id.clone(), n.relation.clone()?.with_quoting(quoting))))
                .collect();
            (
                format!("the state in {}", previous.dir.display()),
                relations,
                None,
                None,
            )
        }
    };
    let pairs = pairs(&session.manifest, &from, &selected);

    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    if let Some(path) = &other_file {
        conn.execute(&format!(
            "attach {} as {ATTACHED} (read_only)",
            adapter::literal(&path.display().to_string())
        ))?;
    }
    let to_schemas = crate::deploy::schemas(pairs.iter().map(|p| p.to.clone()));
    for s in &to_schemas {
        conn.execute(&format!("create schema if not exists {}", s.sql))?;
    }
    let existing = Catalog::new(conn.list_relations(&crate::deploy::names(&to_schemas))?);
    // With --state, the relations are read through this target's connection (one account, or
    // one DuckDB file).
    let found = match found {
        Some(f) => f,
        None => {
            let schemas: BTreeSet<String> = pairs.iter().map(|p| p.from.schema.clone()).collect();
            Catalog::new(conn.list_relations(&schemas.into_iter().collect::<Vec<_>>())?)
        }
    };

    let (mut tables, mut views, mut missing) = (0, 0, vec![]);
    let result = (|| -> Result<()> {
        for p in &pairs {
            let node = &session.manifest.nodes[p.index];
            let Some(kind) = found.kind(&p.from) else {
                missing.push(node.name.clone());
                continue;
            };
            let mut from_rel = p.from.clone();
            if other_file.is_some() {
                from_rel.database = Some(ATTACHED.to_string());
            }
            let as_view = kind == RelationKind::View && other_file.is_none();
            match (existing.kind(&p.to), as_view) {
                (Some(RelationKind::View), false) => conn.execute(&format!("drop view if exists {}", p.to))?,
                (Some(RelationKind::Table), true) => conn.execute(&format!("drop table if exists {}", p.to))?,
                _ => {}
            }
            if as_view {
                conn.execute(&adapter.replace_view_sql(node, &p.to, &format!("select * from {from_rel}")))?;
                views += 1;
            } else {
                conn.execute(&adapter.copy_table_sql(node, &from_rel, &p.to))?;
                tables += 1;
            }
            tracing::debug!("cloned {from_rel} into {}", p.to);
        }
        Ok(())
    })();
    if other_file.is_some() {
        let _ = conn.execute(&format!("detach {ATTACHED}"));
    }
    result?;
    say(&format!(
        "Cloned {} and {} from {label} into target {}.",
        plural(tables, "table"),
        plural(views, "view"),
        session.target.name
    ));
    if !missing.is_empty() {
        say(&format!("Not in {label} (left as they are): {}", missing.join(", ")));
    }
    Ok(0)
}

/// The target to copy from: another target of the same warehouse type.
fn other_target(session: &Session, name: &str) -> Result<Target> {
    let from = session.project.resolve_target(Some(name))?;
    if from.name == session.target.name {
        return Err(Error::project(format!("--from-target {name} is the current target"))
            .help("run clone with --target naming the target to fill (a CI or dev target)"));
    }
    if from.kind != session.target.kind {
        return Err(Error::project(format!(
            "target {} is {} and target {} is {}: clone copies within one warehouse type",
            from.name, from.kind, session.target.name, session.target.kind
        )));
    }
    Ok(from)
}

/// Each selected node that builds a relation, with its relation here and where it comes from.
fn pairs(to: &Manifest, from: &HashMap<String, Relation>, selected: &BTreeSet<usize>) -> Vec<Pair> {
    selected
        .iter()
        .filter(|&&i| to.nodes[i].materialized() != Materialization::Ephemeral)
        .filter_map(|&i| {
            let node = &to.nodes[i];
            let from_rel = from.get(&node.unique_id)?.clone();
            Some(Pair {
                index: i,
                from: from_rel,
                to: node.relation.clone()?,
            })
        })
        .filter(|p| p.from != p.to)
        .collect()
}

/// On DuckDB, the other target's database file when it is not the current one.
fn duckdb_other_file(session: &Session, from: &Target) -> Option<std::path::PathBuf> {
    if session.target.kind != AdapterKind::DuckDb {
        return None;
    }
    let path = |t: &Target| t.setting("path").map(|p| session.project.root.join(p));
    match (path(from), path(&session.target)) {
        (Some(a), Some(b)) if a != b => Some(a),
        _ => None,
    }
}
