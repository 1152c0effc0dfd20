//! target/catalog.json in dbt's catalog v1 schema: the warehouse's description of every
//! relation the project builds or reads (`mozt docs generate`).

use serde_json::{Value, json};

use super::Context;
use crate::docs::catalog::Catalog;
use crate::error::Result;

pub const SCHEMA_VERSION: &str = "https://schemas.getdbt.com/dbt/catalog/v1.json";

/// Write target/catalog.json. Its metadata holds only the fields dbt's catalog schema allows
/// (the schema forbids others), so mozt's own (version, target) stay in the other artifacts.
pub fn write_catalog(ctx: &Context<'_>, catalog: &Catalog) -> Result<()> {
    let doc = json!({
        "metadata": {
            "dbt_schema_version": SCHEMA_VERSION,
            "dbt_version": super::DBT_VERSION,
            "generated_at": chrono::Utc::now().to_rfc3339(),
            "invocation_id": null,
            "env": {},
        },
        "nodes": catalog.nodes,
        "sources": catalog.sources,
        "errors": if catalog.errors.is_empty() { Value::Null } else { json!(catalog.errors) },
    });
    super::write(&ctx.dir.join("catalog.json"), &doc)
}
