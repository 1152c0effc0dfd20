//! `mozt deps`: install the packages of packages.yml / dependencies.yml (src/deps/).

use crate::cli::Common;
use crate::error::Result;

pub fn run(common: &Common, upgrade: bool, lock: bool) -> Result<i32> {
    let options = crate::deps::Options {
        upgrade,
        lock_only: lock,
    };
    crate::deps::deps(&common.project_dir, options, &mut |line| crate::run::output::say(line))?;
    Ok(0)
}
