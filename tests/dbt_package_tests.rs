//! Generic tests and packages as dbt has them: a package's `{% test %}` used from the root's
//! YAML by bare name and as `package.name` (dbt names the latter `package_name_...`), and the
//! tests of a package's own YAML belonging to the package (`test.<package>.<name>`).

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

const PROFILE: &str = "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: analytics\n";

#[test]
fn package_tests_are_named_and_owned_as_in_dbt() {
    let p = TestProject::empty();
    p.write("dbt_project.yml", "name: shop\nversion: '1.0.0'\nconfig-version: 2\nprofile: shop\n")
        .write("profiles.yml", PROFILE)
        .write("dbt_packages/helpers/dbt_project.yml", "name: helpers\nversion: '1.0.0'\nconfig-version: 2\n")
        .write(
            "dbt_packages/helpers/macros/is_even.sql",
            "{% test is_even(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} % 2 <> 0\n{% endtest %}\n",
        )
        .write("dbt_packages/helpers/models/staging/pkg_numbers.sql", "select 2 as n union all select 3\n")
        .write(
            "dbt_packages/helpers/models/staging/schema.yml",
            "version: 2\nmodels:\n  - name: pkg_numbers\n    columns:\n      - name: n\n        data_tests: [not_null, is_even]\n",
        )
        .write("models/numbers.sql", "select 4 as n\n")
        .write(
            "models/schema.yml",
            "version: 2\nmodels:\n  - name: numbers\n    columns:\n      - name: n\n        data_tests: [helpers.is_even, is_even]\n",
        );
    // The package's is_even fails on its own model (3 is odd): exit 1, the rest pass.
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("FAIL is_even_pkg_numbers_n (1 failing)"),
        "{}",
        out.stdout
    );
    let manifest = p.json("target/manifest.json");
    let mut tests: Vec<String> = manifest["nodes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n["resource_type"] == "test")
        .map(|(id, n)| format!("{id} {} {}", n["package_name"].as_str().unwrap(), n["fqn"]))
        .collect();
    tests.sort();
    assert_eq!(
        tests,
        vec![
            r#"test.helpers.is_even_pkg_numbers_n helpers ["helpers","staging","is_even_pkg_numbers_n"]"#,
            r#"test.helpers.not_null_pkg_numbers_n helpers ["helpers","staging","not_null_pkg_numbers_n"]"#,
            r#"test.shop.helpers_is_even_numbers_n shop ["shop","helpers_is_even_numbers_n"]"#,
            r#"test.shop.is_even_numbers_n shop ["shop","is_even_numbers_n"]"#,
        ]
    );
    // A package's tests are selected with package:.
    assert_eq!(
        p.ls(&["-s", "package:helpers", "--resource-type", "test"]),
        vec!["is_even_pkg_numbers_n", "not_null_pkg_numbers_n"]
    );
}
