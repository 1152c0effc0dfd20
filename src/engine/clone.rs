//! Clone (`mozt clone --from-target prod`, or `--state prod-artifacts/`: the relations a
//! previous run's manifest.json names): put copies of production's relations into the current target's
//! schemas, so that a CI schema starts from production's data without
//! rebuilding it. Tables: a zero-copy `clone` on Snowflake, a copy on DuckDB. Views:
//! `select * from` the other target's view (on DuckDB across two database files, a copy, as a
//! view cannot outlive the attached file).

use std::collections::{BTreeSet, HashMap};

use super::{Selection, Session};
use crate::adapter::Catalog;
use crate::adapter::{self, RelationKind};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, Materialization, ResourceType};
use crate::project::{AdapterKind, Target};
use crate::relation::{Quoting, Relation};

/// The alias an other DuckDB file is attached under.
const ATTACHED: &str = "mozt_clone_from";

struct Pair {
    index: usize,
    from: Relation,
    to: Relation,
}

/// What a clone did.
pub struct Cloned {
    /// Where the relations came from (`target prod`, `the state in DIR`).
    pub label: String,
    pub tables: usize,
    pub views: usize,
    /// The selected nodes the source of the copy does not hold (left as they are).
    pub missing: Vec<String>,
}

/// The relations to copy from: their names by unique id, what holds them (None: read through
/// this target's connection), and the other DuckDB file to attach.
struct Origin {
    label: String,
    relations: HashMap<String, Relation>,
    found: Option<Catalog>,
    other_file: Option<std::path::PathBuf>,
}

/// Copy the selected models', seeds' and snapshots' relations from another target
/// (`from_target`), or from the relations a previous run's manifest names (`--state`), into
/// this session's target. `vars` are the command line's, for parsing the other target.
pub fn clone(
    session: &Session,
    vars: Option<&str>,
    selection: &Selection,
    from_target: Option<&str>,
) -> Result<Cloned> {
    let selected = session.select(
        selection,
        &[ResourceType::Model, ResourceType::Seed, ResourceType::Snapshot],
    )?;
    let origin = match from_target {
        Some(name) => other_target_origin(session, vars, name)?,
        None => state_origin(session, selection)?,
    };
    let pairs = pairs(&session.manifest, &origin.relations, &selected);

    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    if let Some(path) = &origin.other_file {
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
    let found = match origin.found {
        Some(f) => f,
        None => {
            let schemas: BTreeSet<String> = pairs.iter().map(|p| p.from.schema.clone()).collect();
            Catalog::new(conn.list_relations(&schemas.into_iter().collect::<Vec<_>>())?)
        }
    };
    let mut cloned = Cloned {
        label: origin.label,
        tables: 0,
        views: 0,
        missing: vec![],
    };
    let attached = origin.other_file.is_some();
    let copy = Copy {
        session,
        adapter: adapter.as_ref(),
        found: &found,
        existing: &existing,
        attached,
    };
    let result = pairs.iter().try_for_each(|p| copy.one(conn.as_mut(), p, &mut cloned));
    if attached {
        let _ = conn.execute(&format!("detach {ATTACHED}"));
    }
    result?;
    Ok(cloned)
}

/// The other target's relations, parsed for that target, and what it holds, read through its
/// own connection.
fn other_target_origin(session: &Session, vars: Option<&str>, name: &str) -> Result<Origin> {
    let from = other_target(session, name)?;
    let vars = super::parse_vars(vars)?;
    // Not from the partial parse cache: it holds the renders of the current target.
    let manifest = crate::parse::parse(&session.project, &from, &vars, false)?.manifest;
    let relations: HashMap<String, Relation> = manifest
        .nodes
        .iter()
        .filter_map(|n| Some((n.unique_id.clone(), n.relation.clone()?)))
        .collect();
    let schemas: BTreeSet<String> = relations.values().map(|r| r.schema.clone()).collect();
    let a = adapter::for_target(&from, &session.project.root)?;
    let found = Catalog::new(a.connect()?.list_relations(&schemas.into_iter().collect::<Vec<_>>())?);
    Ok(Origin {
        label: format!("target {}", from.name),
        relations,
        found: Some(found),
        other_file: duckdb_other_file(session, &from),
    })
}

/// The relations a previous run's manifest.json names (`--state`).
fn state_origin(session: &Session, selection: &Selection) -> Result<Origin> {
    let Some(previous) = session.previous_state(selection)? else {
        return Err(Error::project("clone needs the relations to copy from")
            .help("pass --from-target NAME (a target in project.yml) or --state DIR (a previous run's artifacts)"));
    };
    let quoting = Quoting::for_target_type(session.target.kind);
    let relations = previous
        .nodes
        .iter()
        .filter_map(|(id, n)| Some((id.clone(), n.relation.clone()?.with_quoting(quoting))))
        .collect();
    Ok(Origin {
        label: format!("the state in {}", previous.dir.display()),
        relations,
        found: None,
        other_file: None,
    })
}

/// Copies one relation at a time into this target.
struct Copy<'a> {
    session: &'a Session,
    adapter: &'a dyn adapter::Adapter,
    /// What the source of the copy holds.
    found: &'a Catalog,
    /// What this target holds.
    existing: &'a Catalog,
    /// The source is another DuckDB file, attached.
    attached: bool,
}

impl Copy<'_> {
    /// Copy one relation: a table as a table (a zero-copy clone on Snowflake), a view as a view
    /// reading the other one (a copy across two DuckDB files).
    fn one(&self, conn: &mut dyn adapter::Connection, p: &Pair, cloned: &mut Cloned) -> Result<()> {
        let node = &self.session.manifest.nodes[p.index];
        let Some(kind) = self.found.kind(&p.from) else {
            cloned.missing.push(node.name.clone());
            return Ok(());
        };
        let mut from_rel = p.from.clone();
        if self.attached {
            from_rel.database = Some(ATTACHED.to_string());
        }
        let as_view = kind == RelationKind::View && !self.attached;
        match (self.existing.kind(&p.to), as_view) {
            (Some(existing @ RelationKind::View), false) | (Some(existing @ RelationKind::Table), true) => {
                conn.execute(&existing.drop_sql(&p.to))?
            }
            _ => {}
        }
        if as_view {
            conn.execute(
                &self
                    .adapter
                    .replace_view_sql(node, &p.to, &format!("select * from {from_rel}")),
            )?;
            cloned.views += 1;
        } else {
            crate::materialize::contract::run_copy(self.adapter, conn, node, &from_rel, &p.to, true)?;
            cloned.tables += 1;
        }
        tracing::debug!("cloned {from_rel} into {}", p.to);
        // A copy does not carry the grants of the relation it replaced.
        let built = if as_view {
            RelationKind::View
        } else {
            RelationKind::Table
        };
        crate::materialize::publish::apply(self.adapter, conn, node, &p.to, built)
    }
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
