//! `mozt run-operation MACRO --args '{...}'`: call one macro against the warehouse, with
//! `execute` true and a live connection, so that its `run_query`, `statement` and `adapter`
//! calls run (grants, maintenance, loading data). What the macro renders or returns is its
//! result; it runs outside the DAG.

use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::jinja::{Mode, Scope};

use super::Session;

/// What a macro gave: the value it returned, or the text it rendered (trimmed).
pub struct Operation {
    pub result: String,
}

/// Call macro `name` (bare or `package.name`) with `args` as keyword arguments.
pub fn run_operation(session: &Session, name: &str, args: Map<String, Value>) -> Result<Operation> {
    let adapter = crate::adapter::for_target(&session.target, &session.project.root)?;
    let conn = adapter.connect()?;
    let mut scope = Scope::new(Mode::Compile);
    scope.resolver = Some(session.manifest.clone());
    scope.live = Some(Arc::new(Mutex::new(conn)));
    let (result, _) = session.jinja.call_macro_kwargs(name, args, scope);
    let value = result?;
    let result = match value.is_none() || value.is_undefined() {
        true => String::new(),
        false => value.to_string().trim().to_string(),
    };
    Ok(Operation { result })
}
