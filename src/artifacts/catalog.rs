//! target/catalog.json in dbt's catalog v1 schema: the warehouse's description of every
//! relation the project builds or reads (`mozt docs generate`).

use serde_json::{Value, json};

use super::Context;
use crate::docs::catalog::Catalog;
use crate::error::Result;

pub(super) const SCHEMA_VERSION: &str = "https://schemas.getdbt.com/dbt/catalog/v1.json";

/// Write target/catalog.json.
pub(crate) fn write_catalog(ctx: &Context<'_>, catalog: &Catalog) -> Result<()> {
    let doc = json!({
        "metadata": ctx.dbt_metadata(SCHEMA_VERSION),
        "nodes": catalog.nodes,
        "sources": catalog.sources,
        "errors": if catalog.errors.is_empty() { Value::Null } else { json!(catalog.errors) },
    });
    super::write(&ctx.dir.join("catalog.json"), &doc)
}
