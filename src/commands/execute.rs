//! `mozt run`, `mozt seed`, `mozt snapshot`, `mozt test` and `mozt build`.

use crate::engine::execute::{Kind, execute};
use crate::engine::{LoadOptions, RunOptions, Session};
use crate::error::Result;

pub(crate) fn run(load: &LoadOptions, options: &RunOptions, kind: Kind) -> Result<i32> {
    let mut session = Session::load(load)?;
    let selected = session.select(&options.selection, kind.resource_types())?;
    let executed = execute(&mut session, selected, options, kind, &mut |_, _, _| Ok(()))?;
    session.finish();
    std::mem::forget(executed.compiled);
    Ok(executed.code)
}
