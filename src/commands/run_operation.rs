//! `mozt run-operation MACRO --args '{...}'`: call a macro against the warehouse and print
//! what it returned.

use crate::engine::{LoadOptions, Session, operation, parse_vars};
use crate::error::{Error, Result};
use crate::run::output::say;

pub(crate) fn run(load: &LoadOptions, name: &str, args: Option<&str>) -> Result<i32> {
    let args = parse_vars(args).map_err(|e| {
        Error::project(e.message.replace("--vars", "--args"))
            .help("pass the macro's arguments as a mapping: --args '{schema: analytics}'")
    })?;
    let session = Session::load(load)?;
    say(&format!("Running operation {name}"));
    let done = operation::run_operation(&session, name, args)?;
    if !done.result.is_empty() {
        say(&done.result);
    }
    say(&format!("Operation {name} finished"));
    session.finish();
    Ok(0)
}
