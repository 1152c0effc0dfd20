//! Generic tests and packages as dbt has them: a package's `{% test %}` used from the root's
//! YAML by bare name and as `package.name` (dbt names the latter `package_name_...`), and the
//! tests of a package's own YAML belonging to the package (`test.<package>.<name>.<hash>`); and a
//! model name used both by the root project and by a package, as dbt allows.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

#[test]
fn package_tests_are_named_and_owned_as_in_dbt() {
    let p = TestProject::dbt("");
    p.write("dbt_packages/helpers/dbt_project.yml", "name: helpers\nversion: '1.0.0'\nconfig-version: 2\n")
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
    // The unique ids dbt-core 1.11 writes for this project.
    assert_eq!(
        tests,
        vec![
            r#"test.helpers.is_even_pkg_numbers_n.736facd354 helpers ["helpers","staging","is_even_pkg_numbers_n"]"#,
            r#"test.helpers.not_null_pkg_numbers_n.71e6b43a20 helpers ["helpers","staging","not_null_pkg_numbers_n"]"#,
            r#"test.shop.helpers_is_even_numbers_n.e3c5447d2e shop ["shop","helpers_is_even_numbers_n"]"#,
            r#"test.shop.is_even_numbers_n.12d0c6af61 shop ["shop","is_even_numbers_n"]"#,
        ]
    );
    // A package's tests are selected with package:.
    assert_eq!(
        p.ls(&["-s", "package:helpers", "--resource-type", "test"]),
        vec!["is_even_pkg_numbers_n", "not_null_pkg_numbers_n"]
    );
}

/// dbt lets a package use a model name the root project uses: an unqualified ref() finds the
/// root's model, `ref('pkg', name)` the package's, and the package's own models find the root's
/// first too (dbt's search order). Building both into one relation is an error.
#[test]
fn a_package_may_use_a_model_name_the_root_uses() {
    let p = TestProject::dbt("models:\n  helpers:\n    +schema: helpers\n");
    p.write("dbt_packages/helpers/dbt_project.yml", "name: helpers\nversion: '1.0.0'\nconfig-version: 2\n")
        .write("dbt_packages/helpers/models/orders.sql", "select 'package' as made_by\n")
        .write("dbt_packages/helpers/models/pkg_orders.sql", "select made_by from {{ ref('orders') }}\n")
        .write("dbt_packages/helpers/models/pkg_own_orders.sql", "select made_by from {{ ref('helpers', 'orders') }}\n")
        .write("models/orders.sql", "select 'root' as made_by\n")
        .write("models/both.sql", "select (select made_by from {{ ref('orders') }}) as plain, (select made_by from {{ ref('helpers', 'orders') }}) as qualified, (select made_by from {{ ref('shop', 'orders') }}) as root\n");
    p.ok(&["build"]);
    assert_eq!(
        p.scalar("select plain || ',' || qualified || ',' || root from analytics.both"),
        "root,package,root"
    );
    assert_eq!(p.scalar("select made_by from analytics_helpers.pkg_orders"), "root");
    assert_eq!(
        p.scalar("select made_by from analytics_helpers.pkg_own_orders"),
        "package"
    );
    assert_eq!(p.scalar("select made_by from analytics_helpers.orders"), "package");
    let manifest = p.json("target/manifest.json");
    assert_eq!(
        manifest["nodes"]["model.shop.both"]["depends_on"]["nodes"],
        serde_json::json!(["model.shop.orders", "model.helpers.orders"])
    );

    // Without the package's schema the two would build one relation: an error naming both.
    p.write(
        "dbt_project.yml",
        "name: shop\nversion: '1.0.0'\nconfig-version: 2\nprofile: shop\n",
    );
    let out = p.mozt(&["build"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("model.shop.orders")
            && out.stderr.contains("model.helpers.orders")
            && out.stderr.contains("would both build"),
        "{}",
        out.stderr
    );
}
