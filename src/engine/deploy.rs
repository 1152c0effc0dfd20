//! Deploy (`mozt deploy`, `mozt build --atomic`): build and test the selection in staging
//! schemas and promote it into the target's schemas only when everything passed (the
//! statements are `crate::deploy`'s).

use std::collections::HashMap;
use std::sync::Arc;

use crate::adapter::Catalog;
use crate::adapter::{self, RelationKind};
use crate::cancel::EXIT_CANCELLED;
use crate::deploy::{self, Staged, names, promote, staging_schemas, target_schemas};
use crate::error::{EXIT_FAILURE, Result};
use crate::run::output::{plural, say, say_always};

use super::execute::{self, Kind};
use super::{RunOptions, Session};

/// Deploy the selection; the exit code is 1 when a node failed (nothing was promoted then).
pub fn deploy(session: &mut Session, flags: &RunOptions, keep_staging: bool) -> Result<i32> {
    let selected = session.select(&flags.selection, Kind::Build.resource_types())?;
    let target_manifest = session.manifest.clone();
    let (staged_manifest, staged) = deploy::stage_manifest(&target_manifest, &selected);
    if staged.is_empty() {
        // Nothing to stage (only tests, or nothing at all): run what was selected in place.
        return Ok(execute::execute(session, selected, flags, Kind::Build, &mut |_, _, _| Ok(()))?.code);
    }
    let staging_list: Vec<String> = staging_schemas(&staged).into_iter().map(|s| s.name).collect();
    let target_list: Vec<String> = target_schemas(&staged).into_iter().map(|s| s.name).collect();
    say(&format!(
        "Deploying {} to {} by way of {}",
        plural(staged.len(), "relation"),
        target_list.join(", "),
        staging_list.join(", ")
    ));
    session.manifest = Arc::new(staged_manifest);

    let mut copied = 0;
    let executed = execute::execute(session, selected, flags, Kind::Build, &mut |adapter, conn, _| {
        copied = deploy::prepare_staging(adapter, conn, &target_manifest, &staged)?;
        Ok(())
    });
    if copied > 0 {
        tracing::info!("deploy: started {} from the target's data", plural(copied, "table"));
    }
    let executed = match executed {
        Ok(e) => e,
        Err(e) => {
            cleanup(session, &staged, keep_staging);
            return Err(e);
        }
    };
    if executed.code != 0 {
        say_always(&format!(
            "Deploy {}: nothing was promoted, {} unchanged.",
            if executed.code == EXIT_CANCELLED {
                "cancelled"
            } else {
                "aborted"
            },
            target_list.join(", ")
        ));
        cleanup(session, &staged, keep_staging);
        return Ok(executed.code.max(EXIT_FAILURE));
    }

    let promoted = promote_all(session, &target_manifest, &staged);
    cleanup(session, &staged, keep_staging);
    let count = promoted?;
    // The artifacts describe the target's relations (later runs compare with and defer to them).
    session.manifest = target_manifest;
    session.write_manifest(&executed.compiled)?;
    let mut results = executed.results;
    for r in &mut results {
        if let Some(s) = staged
            .iter()
            .find(|s| session.manifest.nodes[s.index].unique_id == r.unique_id)
        {
            r.relation_name = Some(s.target.to_string());
        }
    }
    crate::artifacts::write_run_results(&session.artifacts(), &results, session.started.elapsed().as_secs_f64())?;
    say(&format!(
        "Promoted {} into {}.",
        plural(count, "relation"),
        target_list.join(", ")
    ));
    Ok(0)
}

/// Compile the staged views with the target's names and run the promotion; returns how many
/// relations were promoted.
fn promote_all(
    session: &Session,
    target_manifest: &Arc<crate::manifest::Manifest>,
    staged: &[Staged],
) -> Result<usize> {
    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    let staging = Catalog::new(conn.list_relations(&names(&staging_schemas(staged)))?);
    let target = Catalog::new(conn.list_relations(&names(&target_schemas(staged)))?);
    let views: Vec<usize> = staged
        .iter()
        .filter(|s| staging.kind(&s.staging) == Some(RelationKind::View))
        .map(|s| s.index)
        .collect();
    let mut view_compiled = crate::compile::compile_all(
        &session.jinja,
        target_manifest,
        &views,
        &session.project.root,
        &session.target_dir(),
        &|_| false,
    )?;
    session.translate(&mut view_compiled)?;
    let view_sql: HashMap<usize, String> = view_compiled.into_iter().map(|(i, c)| (i, c.sql)).collect();
    let stmts = promote::statements(adapter.as_ref(), target_manifest, staged, &view_sql, &staging, &target)?;
    // In one transaction where DDL is transactional, else statement by statement.
    crate::materialize::atomic::run_all(adapter.as_ref(), conn.as_mut(), &stmts)?;
    // The promoted relations get their grants and comments in the target (a swap or a clone
    // does not carry what the target's relation had).
    for s in staged {
        let kind = staging.kind(&s.staging).unwrap_or(RelationKind::Table);
        crate::materialize::publish::apply(
            adapter.as_ref(),
            conn.as_mut(),
            &target_manifest.nodes[s.index],
            &s.target,
            kind,
        )?;
    }
    Ok(staged.len())
}

/// Drop the staging schemas (unless kept for debugging); a failure here only warns.
fn cleanup(session: &Session, staged: &[Staged], keep: bool) {
    let schemas: Vec<String> = staging_schemas(staged).into_iter().map(|s| s.name).collect();
    if keep {
        say(&format!("Staging kept for inspection: {}", schemas.join(", ")));
        return;
    }
    let dropped = adapter::for_target(&session.target, &session.project.root)
        .and_then(|a| a.connect())
        .and_then(|mut c| deploy::drop_staging(c.as_mut(), staged));
    if let Err(e) = dropped {
        tracing::warn!("could not drop the staging schemas {}: {e}", schemas.join(", "));
    }
}
