//! `mozt parse` and `mozt compile`.

use crate::engine::{LoadOptions, Selection, Session};
use crate::error::Result;
use crate::manifest::ResourceType;
use crate::run::output::{plural, say};

pub(crate) fn parse(load: &LoadOptions) -> Result<i32> {
    let session = Session::load(load)?;
    session.write_manifest(&Default::default())?;
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

pub(crate) fn compile(load: &LoadOptions, selection: &Selection, strict: bool, empty: bool) -> Result<i32> {
    let mut session = Session::load(load)?;
    if empty {
        session.read_inputs_empty();
    }
    let compiled = crate::engine::compile::compile(&session, selection, strict)?;
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
