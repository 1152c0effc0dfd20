//! The outcome of each node in a run.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A model or seed was built.
    Success,
    /// A model, seed or test could not run (warehouse error).
    Error,
    /// Not run because something upstream failed.
    Skipped,
    /// A test found no failing rows.
    Pass,
    /// A test found failing rows at warn severity.
    Warn,
    /// A test found failing rows at error severity.
    Fail,
    /// Interrupted by Ctrl-C while it ran.
    Cancelled,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Success => "OK",
            Status::Error => "ERROR",
            Status::Skipped => "SKIP",
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Cancelled => "CANCEL",
        }
    }

    /// Failures that stop what depends on the node and make the command exit 1.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Error | Status::Fail)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeResult {
    pub unique_id: String,
    pub status: Status,
    /// What happened, in a few words (`created table analytics.dim_users`, an error message).
    pub message: String,
    pub execution_time: f64,
    /// Failing rows for a test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<u64>,
    /// Rows loaded for a seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_affected: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled_path: Option<String>,
    /// More lines shown under a failure (a row diff, where to look).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl NodeResult {
    pub fn new(unique_id: &str, status: Status, message: impl Into<String>) -> NodeResult {
        NodeResult {
            unique_id: unique_id.to_string(),
            status,
            message: message.into(),
            execution_time: 0.0,
            failures: None,
            rows_affected: None,
            relation_name: None,
            compiled_path: None,
            details: vec![],
        }
    }
}
