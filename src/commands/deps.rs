//! `mozt deps`: install the packages of packages.yml / dependencies.yml (src/deps/).

use crate::engine::LoadOptions;
use crate::error::Result;

pub(crate) fn run(
    load: &LoadOptions,
    upgrade: bool,
    lock: bool,
    add_package: Option<String>,
    source: crate::deps::add::AddSource,
) -> Result<i32> {
    let options = crate::deps::Options {
        upgrade,
        lock_only: lock,
        add_package: add_package.map(|p| (p, source)),
        vars: crate::engine::parse_vars(load.vars.as_deref())?,
    };
    crate::deps::deps(&load.project_dir, options, &mut |line| crate::run::output::say(line))?;
    Ok(0)
}
