//! mozt: a SQL transformation engine. Load a project, parse its Jinja, build the DAG, compile
//! the SQL, and materialize it in DuckDB or Snowflake; then test the data.

pub mod adapter;
pub(crate) mod artifacts;
pub(crate) mod braze;
pub(crate) mod cancel;
pub mod check;
pub mod cli;
pub(crate) mod commands;
pub(crate) mod compile;
pub(crate) mod deploy;
pub mod deps;
pub mod engine;
pub(crate) mod error;
pub(crate) mod files;
pub(crate) mod graph;
pub(crate) mod hash;
pub(crate) mod jinja;
pub(crate) mod manifest;
pub(crate) mod materialize;
pub(crate) mod parse;
pub mod project;
pub mod relation;
pub(crate) mod run;
pub mod sql;
pub(crate) mod state;
pub(crate) mod suggest;
pub(crate) mod test;
