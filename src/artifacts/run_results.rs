//! target/run_results.json in dbt's run-results v6 schema: one result per node run, with
//! its status, timing, worker and message. Rows loaded go in `adapter_response`, as dbt's
//! adapters put them.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Context;
use crate::error::Result;
use crate::run::{NodeResult, Status};

pub(super) const SCHEMA_VERSION: &str = "https://schemas.getdbt.com/dbt/run-results/v6.json";

#[derive(Serialize)]
struct Timing<'a> {
    name: &'static str,
    started_at: &'a str,
    completed_at: &'a str,
}

/// One node's result as dbt's schema has it.
#[derive(Serialize)]
struct Entry<'a> {
    status: Status,
    timing: Vec<Timing<'a>>,
    thread_id: &'a str,
    execution_time: f64,
    adapter_response: Map<String, Value>,
    message: &'a str,
    failures: Option<u64>,
    unique_id: &'a str,
    compiled: bool,
    relation_name: Option<&'a str>,
}

impl<'a> Entry<'a> {
    fn new(r: &'a NodeResult) -> Entry<'a> {
        let mut adapter_response = Map::new();
        if let Some(rows) = r.rows_affected {
            adapter_response.insert("rows_affected".into(), json!(rows));
        }
        let timing = match (&r.started_at, &r.completed_at) {
            (Some(started_at), Some(completed_at)) => vec![Timing {
                name: "execute",
                started_at,
                completed_at,
            }],
            _ => vec![],
        };
        Entry {
            status: r.status,
            timing,
            thread_id: &r.thread_id,
            execution_time: r.execution_time,
            adapter_response,
            message: &r.message,
            failures: r.failures,
            unique_id: &r.unique_id,
            compiled: r.compiled_path.is_some(),
            relation_name: r.relation_name.as_deref(),
        }
    }
}

/// Write target/run_results.json: every node's status, timing and message.
pub(crate) fn write_run_results(ctx: &Context<'_>, results: &[NodeResult], elapsed: f64) -> Result<()> {
    let doc = json!({
        "metadata": ctx.dbt_metadata(SCHEMA_VERSION),
        "results": results.iter().map(Entry::new).collect::<Vec<_>>(),
        "elapsed_time": elapsed,
        "args": { "target": ctx.target.name, "threads": ctx.threads },
    });
    super::write(&ctx.dir.join("run_results.json"), &doc)
}
