//! A unit test's spec, read and checked by the parse phase (`crate::parse::unit_tests`): the
//! tested model, the rows given for its inputs, and the rows it must return. Compile renders
//! the model with the inputs as CTEs (`crate::compile::unit_test`); `crate::test::unit` runs it.

use serde::Serialize;
use serde_json::{Map, Value};

/// A unit test, read and checked. Serialized, it is the test's `kwargs` in manifest.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSpec {
    /// The tested model's name.
    pub model: String,
    pub given: Vec<Given>,
    pub expect: Fixture,
    /// `overrides: {vars: ...}`.
    pub vars: Map<String, Value>,
    /// `overrides: {macros: {is_incremental: true}}`.
    pub is_incremental: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Given {
    pub input: Input,
    pub fixture: Fixture,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    Ref { name: String },
    Source { source: String, table: String },
    This,
}

impl Input {
    /// The name of the CTE standing in for this input.
    pub fn cte(&self) -> String {
        let raw = match self {
            Input::Ref { name } => format!("__mozt_given__{name}"),
            Input::Source { source, table } => format!("__mozt_given__{source}__{table}"),
            Input::This => "__mozt_given__this".to_string(),
        };
        raw.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
            .collect()
    }

    pub fn label(&self) -> String {
        match self {
            Input::Ref { name } => format!("ref('{name}')"),
            Input::Source { source, table } => format!("source('{source}', '{table}')"),
            Input::This => "this".to_string(),
        }
    }
}

/// Rows for an input or the expected output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum Fixture {
    /// Rows as column -> value. From CSV every value is text (or null for an empty cell).
    Rows {
        rows: Vec<Map<String, Value>>,
        from_csv: bool,
    },
    /// A query returning the rows.
    Sql { sql: String },
}
