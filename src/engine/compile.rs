//! Compile (`mozt compile`): render the selected models, tests and snapshots for the target,
//! write them under target/compiled/, run the SQL check over them, and write manifest.json.

use std::collections::HashMap;

use crate::compile::Compiled;
use crate::error::Result;
use crate::manifest::ResourceType;

use super::{Selection, Session};

/// Compile and check the selected nodes offline (`is_incremental()` is false), and write
/// manifest.json; the compiled nodes by index.
pub fn compile(session: &Session, selection: &Selection, strict: bool) -> Result<HashMap<usize, Compiled>> {
    let plan = session.select(
        selection,
        &[
            ResourceType::Model,
            ResourceType::Test,
            ResourceType::Snapshot,
            ResourceType::Analysis,
        ],
    )?;
    let nodes: Vec<usize> = plan.into_iter().collect();
    // The checksums manifest.json needs are worked out on the side, filling the gaps the
    // SQL check leaves between DAG levels.
    let (_, compiled) = rayon::join(
        || session.checksums(),
        || -> Result<_> {
            let mut compiled = crate::compile::compile_all(
                &session.jinja,
                &session.manifest,
                &nodes,
                &session.project.root,
                &session.target_dir(),
                &|_| false, // compile is offline: is_incremental() is false
            )?;
            session.translate(&mut compiled)?;
            session.check_sql(&mut compiled, strict, &Default::default())?;
            Ok(compiled)
        },
    );
    let compiled = compiled?;
    session.write_manifest(&compiled)?;
    Ok(compiled)
}
