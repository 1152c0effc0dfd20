//! Applying a batch of statements as one unit. Where DDL is transactional (DuckDB) everything
//! runs in one transaction. Where DDL commits implicitly (Snowflake), the DDL runs first (it
//! only adds what the DML needs), the DML runs in an explicit transaction when there is more
//! than one statement (a single MERGE is atomic by itself), and clean-up DDL runs last.

use super::Job;
use crate::adapter::{Adapter, Connection};
use crate::error::Result;

#[derive(Default)]
pub(crate) struct Unit {
    /// Schema changes the DML needs (new columns, a new table).
    pub ddl: Vec<String>,
    /// The data changes that must all apply or none.
    pub dml: Vec<String>,
    /// Follow-up statements (replacing state, dropping temporary tables).
    pub after: Vec<String>,
}

/// Run `stmts` in one explicit transaction, rolled back when any fails.
pub(crate) fn transaction(conn: &mut dyn Connection, stmts: &[String]) -> Result<()> {
    let script = format!("begin transaction;\n{};\ncommit", stmts.join(";\n"));
    if let Err(e) = conn.execute(&script) {
        let _ = conn.execute("rollback");
        return Err(e);
    }
    Ok(())
}

/// Run `stmts` as one unit where DDL is transactional (one transaction, unless there is only
/// one statement), else one by one (each commits by itself).
pub(crate) fn run_all(adapter: &dyn Adapter, conn: &mut dyn Connection, stmts: &[String]) -> Result<()> {
    match stmts {
        [one] => conn.execute(one),
        _ if adapter.transactional_ddl() => transaction(conn, stmts),
        _ => stmts.iter().try_for_each(|s| conn.execute(s)),
    }
}

pub(crate) fn apply(job: &mut Job<'_>, unit: Unit) -> Result<()> {
    if job.adapter.transactional_ddl() {
        let all: Vec<String> = unit.ddl.into_iter().chain(unit.dml).chain(unit.after).collect();
        return transaction(job.conn, &all);
    }
    for s in &unit.ddl {
        job.conn.execute(s)?;
    }
    match unit.dml.len() {
        0 => {}
        1 => job.conn.execute(&unit.dml[0])?,
        _ => transaction(job.conn, &unit.dml)?,
    }
    for s in &unit.after {
        job.conn.execute(s)?;
    }
    Ok(())
}
