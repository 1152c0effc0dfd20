//! `mozt lineage MODEL.COLUMN` and `mozt lineage SOURCE.TABLE.COLUMN --downstream`: print a
//! column's lineage tree, as text or JSON.

use crate::check::lineage::render;
use crate::engine::{LoadOptions, Session};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum LineageOutput {
    #[default]
    Text,
    Json,
}

pub(crate) fn run(load: &LoadOptions, spec: &str, downstream: bool, output: LineageOutput) -> Result<i32> {
    let session = Session::load(load)?;
    let tree = crate::engine::lineage::trace(&session, spec, downstream)?;
    let text = match output {
        LineageOutput::Text => render(&tree),
        LineageOutput::Json => serde_json::to_string_pretty(&tree).map_err(|e| Error::runtime(e.to_string()))? + "\n",
    };
    // A closed pipe (`| head`) is not an error.
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(0)
}
