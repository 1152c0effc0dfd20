//! `mozt docs generate` on the Snowflake emulator: catalog.json is read from the warehouse's
//! information_schema (columns, types, owner, row counts) through the adapter's connection.
//! Needs `scripts/fakesnow.sh start` and MOZT_FAKESNOW_URL (as scripts/test.sh does); fails
//! loudly without it.

mod common;

#[test]
fn docs_generate_reads_the_snowflake_catalog() {
    let p = common::emulator_project("mozt_docs_catalog");
    p.write_seed_table_view();
    p.ok(&["build"]);
    p.ok(&["docs", "generate"]);
    let catalog = p.json("target/catalog.json");
    assert!(catalog["errors"].is_null(), "{}", catalog["errors"]);
    let t = &catalog["nodes"]["model.mozt_docs_catalog.t"];
    assert_eq!(t["metadata"]["type"], "BASE TABLE", "{t}");
    assert_eq!(t["metadata"]["name"], "T");
    assert_eq!(t["metadata"]["schema"], "ANALYTICS");
    assert_eq!(t["unique_id"], "model.mozt_docs_catalog.t");
    assert_eq!(t["columns"]["ID"]["type"], "NUMBER");
    assert_eq!(t["columns"]["ID"]["index"], 1);
    assert_eq!(t["columns"]["V"]["index"], 2);
    assert_eq!(t["stats"]["row_count"]["value"], 2);
    assert_eq!(t["stats"]["has_stats"]["value"], true);
    let view = &catalog["nodes"]["model.mozt_docs_catalog.v"];
    assert_eq!(view["metadata"]["type"], "VIEW", "{view}");
    assert_eq!(view["columns"]["V"]["index"], 2);
    let seed = &catalog["nodes"]["seed.mozt_docs_catalog.raw"];
    assert_eq!(seed["columns"]["V"]["name"], "V", "{seed}");
    // The site's data carries the warehouse's types for the model's columns.
    let data = p.read("target/docs-data.js");
    assert!(
        data.starts_with("window.MOZT_DOCS = {"),
        "{}",
        &data[..data.len().min(80)]
    );
    assert!(
        data.contains("\"data_type\":\"NUMBER\""),
        "the site shows Snowflake's types"
    );
}
