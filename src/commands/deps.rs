//! `mozt deps`: install the packages of packages.yml / dependencies.yml (src/deps/).

use crate::cli::Common;
use crate::error::Result;

pub fn run(
    common: &Common,
    upgrade: bool,
    lock: bool,
    add_package: Option<String>,
    source: crate::deps::add::AddSource,
) -> Result<i32> {
    let options = crate::deps::Options {
        upgrade,
        lock_only: lock,
        add_package: add_package.map(|p| (p, source)),
        vars: super::parse_vars(common.vars.as_deref())?,
    };
    crate::deps::deps(&common.project_dir, options, &mut |line| crate::run::output::say(line))?;
    Ok(0)
}
