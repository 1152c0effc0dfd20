//! One statement per node: a model, snapshot or test whose SQL goes on after a `;` is refused
//! before anything runs, on every warehouse (a second statement would run with the first, and
//! `select 1; drop table t` would drop the table while the run reports success). This check
//! runs even when the SQL analysis is turned off.

use rayon::prelude::*;
use std::collections::HashMap;

use crate::compile::{Compiled, display_path};
use crate::error::{Error, ErrorKind, Location, Result, combine};
use crate::manifest::{Manifest, ResourceType};
use crate::project::AdapterKind;
use crate::sql::statements::second_statement;

/// Fail with every node whose compiled SQL holds more than one statement.
pub fn refuse_multiple(
    manifest: &Manifest,
    compiled: &HashMap<usize, Compiled>,
    target_kind: AdapterKind,
) -> Result<()> {
    let dialect = crate::sql::dialect_for(target_kind);
    let mut found: Vec<(usize, Error)> = compiled
        .par_iter()
        .filter(|(i, _)| {
            matches!(
                manifest.nodes[**i].resource_type,
                ResourceType::Model | ResourceType::Snapshot | ResourceType::Test
            )
        })
        .filter_map(|(&i, c)| {
            let (line, column) = second_statement(&c.sql, dialect.as_ref())?;
            Some((i, error(manifest, i, c, line, column)))
        })
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    found.sort_by_key(|(i, _)| *i);
    let mut e = combine(found.into_iter().map(|(_, e)| e).collect());
    e.kind = ErrorKind::Project;
    Err(e)
}

/// The error for node `i`, at the line of its model file that starts the second statement when
/// that line is written there as it was compiled, else at the compiled file's line.
fn error(manifest: &Manifest, i: usize, c: &Compiled, line: usize, column: usize) -> Error {
    let node = &manifest.nodes[i];
    let compiled_line = c.sql.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let starts = compiled_line.get(column.saturating_sub(1)..).unwrap_or("").trim();
    let in_source = (!starts.is_empty())
        .then(|| node.raw_code.lines().position(|l| l.contains(starts)))
        .flatten();
    let (location, source) = match in_source {
        Some(n) => (Location::at(&node.original_file_path, n + 1), &*node.raw_code),
        None => (Location::at(&c.path, line), c.sql.as_str()),
    };
    Error::project(format!(
        "{} {} holds more than one statement: its SQL goes on after a `;` (compiled SQL: {})",
        node.resource_type.as_str(),
        node.name,
        display_path(&c.path)
    ))
    .at(location)
    .with_source_line(source)
    .help("a model is one query: run other statements in a hook (pre_hook / post_hook in config()), or remove the `;`")
}
