//! `mozt deploy` and `mozt build --atomic`.

use crate::engine::{LoadOptions, RunOptions, Session};
use crate::error::Result;

pub(crate) fn run(load: &LoadOptions, options: &RunOptions, keep_staging: bool) -> Result<i32> {
    let mut session = Session::load(load)?;
    crate::engine::deploy::deploy(&mut session, options, keep_staging)
}
