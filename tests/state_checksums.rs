//! The checksums manifest.json stores for `state:modified`, pinned for a project that has every
//! input they read: model text with comments, strings and Jinja tags, configs from the model
//! file, schema YAML and project.yml, schema YAML entries with tests and meta, generic and
//! singular tests, a unit test, a seed, a snapshot, sources, macros calling macros, a
//! `generate_schema_name` override, vars (nested values) and env vars. A previous run's
//! manifest.json is compared with these values, so they must not change when the code that
//! computes them does.

mod common;

use common::{TestProject, project_yml};

fn fixture() -> TestProject {
    let p = TestProject::with_yml(&project_yml(
        "sums",
        "vars:\n  region: eu\n  limits: {max: 3, names: [b, a], nested: {z: 1, y: null}}\nmodels:\n  sums:\n    marts:\n      +materialized: table\n      +tags: [daily]\n",
    ));
    p.write("seeds/raw.csv", "id,amount,updated_at\n1,2.5,2024-01-01\n2,-1,2024-01-02\n")
        .write(
            "macros/money.sql",
            "{% macro cents(col) %}({{ col }} * {{ var('scale', 100) }}){% endmacro %}\n\n\
             {% macro money(col) -%}\n  round({{ cents(col) }} / 100.0, 2) -- two places\n{%- endmacro %}\n",
        )
        .write(
            "macros/who.sql",
            "{% macro who() %}'{{ env_var(\"SUMS_USER\", 'nobody') }}'{% endmacro %}\n",
        )
        .write(
            "macros/generate_schema_name.sql",
            "{% macro generate_schema_name(custom_schema_name, node) -%}\n\
             {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n\
             {%- endmacro %}\n",
        )
        .write(
            "macros/tests.sql",
            "{% test positive(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} <= 0\n{% endtest %}\n",
        )
        .write(
            "models/staging/stg_raw.sql",
            "-- the raw seed, typed\n{{ config(materialized='view', meta={'owner': 'ck', 'a': [1, 2]}) }}\n\
             select id,   amount /* dollars */ ,\n  'it''s  -- not a comment' as note, $$a  b$$ as dollars,\n\
             \"Mixed Case\" as q {# jinja comment #}\nfrom {{ ref('raw') }}\nwhere amount>=-1 and id - -1 > 0\n",
        )
        .write(
            "models/marts/totals.sql",
            "{{ config(schema='reporting', tags=['money']) }}\nselect {{ money('amount') }} as amount, {{ who() }} as who,\n\
             '{{ var(\"region\") }}' as region, {{ var('limits')['max'] }} as max_rows,\n\
             '{{ env_var('SUMS_TEAM', 'none') }}' as team\nfrom {{ ref('stg_raw') }}\n\
             {% if is_incremental() %}where id > 0{% endif %}\n",
        )
        .write("models/marts/plain.sql", "select 1 as one\n")
        .write(
            "models/schema.yml",
            "models:\n  - name: stg_raw\n    description: The seed, typed.\n    meta: {team: core, priority: 2}\n    config:\n      tags: [staging]\n\
             \x20   columns:\n      - name: id\n        description: Key.\n        data_tests: [unique, not_null]\n\
             \x20     - name: amount\n        meta: {unit: usd}\n        data_tests:\n          - positive\n          - accepted_values:\n              values: [2.5, -1]\n\
             \x20   data_tests:\n      - unique:\n          column_name: \"id || '-' || amount\"\n\
             \x20 - name: totals\n    columns:\n      - name: who\n        data_tests:\n          - not_null:\n              config: {severity: warn}\n\
             sources:\n  - name: ext\n    schema: main\n    tables:\n      - name: events\n        description: Raw events.\n        columns:\n          - name: id\n            data_tests: [not_null]\n\
             \x20     - name: users\n        meta: {pii: true}\n",
        )
        .write(
            "models/unit.yml",
            "unit_tests:\n  - name: totals_in_cents\n    model: totals\n    given:\n      - input: ref('stg_raw')\n        rows:\n          - {id: 1, amount: 2}\n    expect:\n      rows:\n        - {amount: 2.0}\n",
        )
        .write(
            "snapshots/snap.sql",
            "{% snapshot raw_snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('raw') }}\n{% endsnapshot %}\n",
        )
        .write(
            "tests/no_negative_totals.sql",
            "select * from {{ ref('totals') }} where amount < {{ var('min', 0) }}\n",
        );
    p
}

/// One line per node and source: `unique_id kind checksum`, sorted.
fn checksum_lines(p: &TestProject) -> String {
    let m = p.json("target/manifest.json");
    let mut lines = vec![];
    for section in ["nodes", "sources", "unit_tests"] {
        let Some(entries) = m[section].as_object() else {
            continue;
        };
        for (id, entry) in entries {
            // mozt's checksums sit in `meta.mozt` (a unit test's in `config.meta.mozt`).
            let extras = entry
                .pointer("/meta/mozt")
                .or_else(|| entry.pointer("/config/meta/mozt"));
            let Some(sums) = extras.and_then(|e| e["checksums"].as_object()) else {
                panic!("{id} has no checksums: {entry}");
            };
            for (kind, sum) in sums {
                lines.push(format!("{id} {kind} {}", sum.as_str().unwrap_or("?")));
            }
        }
    }
    lines.sort();
    lines.join("\n")
}

#[test]
fn checksums_stay_the_same() {
    let p = fixture();
    p.mozt_env(&["parse"], &[("SUMS_USER", "ana"), ("SUMS_TEAM", "")])
        .assert_ok();
    insta::assert_snapshot!(checksum_lines(&p));
}
