//! mozt: a SQL transformation engine. Load a project, parse its Jinja, build the DAG, compile
//! the SQL, and materialize it in DuckDB or Snowflake; then test the data.

pub mod adapter;
pub mod artifacts;
pub mod braze;
pub mod check;
pub mod cli;
pub mod commands;
pub mod compile;
pub mod deploy;
pub mod deps;
pub mod engine;
pub mod error;
pub mod files;
pub mod graph;
pub mod hash;
pub mod jinja;
pub mod manifest;
pub mod materialize;
pub mod parse;
pub mod project;
pub mod relation;
pub mod run;
pub mod sql;
pub mod state;
pub mod suggest;
pub mod test;
