//! `mozt parse` and `mozt compile`.

use crate::cli::{Common, Selection};
use crate::error::Result;
use crate::manifest::ResourceType;
use crate::run::output::{plural, say};

use super::Session;

pub fn parse(common: &Common) -> Result<i32> {
    let session = Session::load(common)?;
    crate::artifacts::write_manifest(&session, &Default::default())?;
    let m = &session.manifest;
    say(&format!(
        "Parsed {}, {}, {}, {} in {:.2}s; wrote {}/manifest.json",
        plural(m.count(ResourceType::Model), "model"),
        plural(m.count(ResourceType::Seed), "seed"),
        plural(m.count(ResourceType::Test) + m.count(ResourceType::UnitTest), "test"),
        plural(m.sources.len(), "source"),
        session.started.elapsed().as_secs_f64(),
        session.target_dir(),
    ));
    session.finish();
    Ok(0)
}

pub fn compile(common: &Common, selection: &Selection, strict: bool) -> Result<i32> {
    let session = Session::load(common)?;
    let plan = session.select(
        selection,
        &[ResourceType::Model, ResourceType::Test, ResourceType::Snapshot],
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
            session.check_sql(&mut compiled, strict, &Default::default())?;
            Ok(compiled)
        },
    );
    let compiled = compiled?;
    crate::artifacts::write_manifest(&session, &compiled)?;
    say(&format!(
        "Compiled {} in {:.2}s into {}/compiled/",
        plural(compiled.len(), "node"),
        session.started.elapsed().as_secs_f64(),
        session.target_dir()
    ));
    session.finish();
    // Like the session, the compiled SQL of every node is left to the operating system.
    std::mem::forget(compiled);
    Ok(0)
}
