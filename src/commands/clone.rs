//! `mozt clone`: copy another target's relations into this one (see `crate::engine::clone`).

use crate::engine::{LoadOptions, Selection, Session};
use crate::error::Result;
use crate::run::output::{plural, say};

pub(crate) fn run(load: &LoadOptions, selection: &Selection, from_target: Option<&str>) -> Result<i32> {
    let session = Session::load(load)?;
    let cloned = crate::engine::clone::clone(&session, load.vars.as_deref(), selection, from_target)?;
    say(&format!(
        "Cloned {} and {} from {} into target {}.",
        plural(cloned.tables, "table"),
        plural(cloned.views, "view"),
        cloned.label,
        session.target.name
    ));
    if !cloned.missing.is_empty() {
        say(&format!(
            "Not in {} (left as they are): {}",
            cloned.label,
            cloned.missing.join(", ")
        ));
    }
    Ok(0)
}
