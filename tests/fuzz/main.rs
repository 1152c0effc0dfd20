//! The fuzzing harnesses, in one test binary (one link of a release build for scripts/fuzz.sh):
//! `sql` holds the SQL check to DuckDB as the oracle, `project` holds project files, Jinja and
//! seeds to no panic and no false error. Each runs for the budget `budget` reads.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod budget;
mod project;
mod sql;
