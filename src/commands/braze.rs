//! `mozt braze setup` and `mozt braze rotate-key`: the Snowflake statements that let Braze
//! Cloud Data Ingestion read the project's sync tables; printed, or run with `--apply`.

use crate::adapter;
use crate::braze::{Setup, public_key_body};
use crate::error::{Error, Result};
use crate::manifest::{Materialization, ResourceType};
use crate::project::AdapterKind;
use crate::run::output::say;

use crate::engine::{LoadOptions, Session};

fn setup(session: &Session) -> Result<Setup> {
    let tables = session
        .manifest
        .nodes
        .iter()
        .filter(|n| n.resource_type == ResourceType::Model && matches!(n.materialized(), Materialization::BrazeSync(_)))
        .filter_map(|n| n.relation.clone())
        .collect();
    let database = session.target.database.clone().unwrap_or_else(|| "ANALYTICS".into());
    Setup::from_config(session.project.file.other.get("braze"), &database, tables)
}

fn read_key(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::project(format!("cannot read the public key {}: {e}", path.display()))
            .help("save the public key Braze shows on its Cloud Data Ingestion page to a file")
    })?;
    public_key_body(&text, &path.display().to_string())
}

fn emit(session: &Session, statements: &[String], apply: bool) -> Result<()> {
    if !apply {
        for s in statements {
            say(&format!("{s};"));
        }
        return Ok(());
    }
    if session.target.kind != AdapterKind::Snowflake {
        return Err(Error::project(format!(
            "--apply runs the statements on Snowflake, and target '{}' is {}",
            session.target.name, session.target.kind
        ))
        .help("pass --target with a snowflake target (the statements need SECURITYADMIN or higher)"));
    }
    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    // Every statement is idempotent, so all are tried and each failure is reported: fix what
    // failed (a missing privilege, say) and run again.
    let mut failed = vec![];
    for s in statements {
        match conn.execute(s) {
            Ok(()) => say(&format!("ok: {s}")),
            Err(e) => {
                say(&format!(
                    "failed: {s}\n  {}",
                    e.message.lines().next().unwrap_or_default()
                ));
                failed.push(s.clone());
            }
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    Err(Error::runtime(format!(
        "{} of {} statements failed on target '{}'",
        failed.len(),
        statements.len(),
        session.target.name
    ))
    .help("the statements need SECURITYADMIN or higher; fix what failed and run again (running twice changes nothing)"))
}

pub(crate) fn run_setup(load: &LoadOptions, public_key: Option<&std::path::Path>, apply: bool) -> Result<i32> {
    let session = Session::load(load)?;
    let setup = setup(&session)?;
    let key = public_key.map(read_key).transpose()?;
    say("-- Braze Cloud Data Ingestion: access for Braze to the sync tables (needs SECURITYADMIN or higher).");
    if setup.tables.is_empty() {
        say("-- No Braze sync models found: only future grants are given.");
    }
    emit(&session, &setup.statements(key.as_deref()), apply)?;
    if key.is_none() {
        say("-- Then, with the public key Braze shows: mozt braze setup --public-key braze_key.pub");
    }
    Ok(0)
}

pub(crate) fn run_rotate(load: &LoadOptions, public_key: &std::path::Path, slot: u8, apply: bool) -> Result<i32> {
    let session = Session::load(load)?;
    let setup = setup(&session)?;
    let key = read_key(public_key)?;
    let (now, later) = setup.rotate_key(&key, slot);
    say(&format!(
        "-- Step 1: put the new key in slot {slot} (the old key keeps working meanwhile):"
    ));
    emit(&session, &now, apply)?;
    say("-- Step 2: in Braze, switch the Cloud Data Ingestion integration to the new key and test the connection.");
    say("-- Step 3: once Braze syncs with the new key, remove the old one:");
    for s in later {
        say(&format!("{s};"));
    }
    Ok(0)
}
