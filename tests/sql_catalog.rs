//! The SQL check on a connected run: source columns come from DuckDB's catalog.

mod common;

use common::{TestProject, redact, source_columns_from_catalog};

#[test]
fn wrong_column_of_a_source_known_only_to_the_catalog_fails_before_running() {
    let p = TestProject::new("catalog_columns");
    let err = source_columns_from_catalog(&p);
    insta::assert_snapshot!(redact(&err, &p));
}
