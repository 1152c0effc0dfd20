//! Jinja that looks at the warehouse, on the Snowflake emulator (over Snowflake's HTTP
//! protocol): a staging model built from its source's columns, rendered again at run time with
//! the live Snowflake connection, and the dispatched built-ins in their Snowflake form. Needs
//! `scripts/fakesnow.sh start` and MOZT_FAKESNOW_URL (as .ci/run does); fails loudly without.

mod common;

#[test]
fn a_staging_model_is_built_from_its_sources_columns_on_snowflake() {
    let p = common::emulator_project("mozt_introspect");
    p.write("seeds/raw_people.csv", "id,full_name,secret\n1,Ann,s1\n2,Bob,s2\n")
        .write(
            "models/sources.yml",
            "sources:\n  - name: raw\n    schema: analytics\n    tables:\n      - name: raw_people\n",
        )
        .write(
            "models/stg_people.sql",
            "select\n\
             {%- for col in adapter.get_columns_in_relation(source('raw', 'raw_people')) if col.name | lower != 'secret' %}\n    \
             {{ col.name }} as person_{{ col.name | lower }}{{ ',' if not loop.last }}\n\
             {%- endfor %},\n    \
             {{ dbt.datediff(\"'2024-01-01'::date\", \"'2024-01-03'::date\", 'day') }} as days\n\
             from {{ source('raw', 'raw_people') }}\n",
        );
    p.ok(&["seed"]);
    p.ok(&["run"]);
    let compiled = p.read("target/compiled/mozt_introspect/models/stg_people.sql");
    let compiled = compiled.replace(&std::process::id().to_string(), "<pid>");
    insta::assert_snapshot!("snowflake_staging_from_source_columns", compiled);
    let rows = common::show_rows(
        &p,
        "select person_id, person_full_name, days from {{ ref('stg_people') }} order by person_id",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    let text = serde_json::to_string(&rows).unwrap_or_default().to_lowercase();
    assert!(
        text.contains("ann") && text.contains("bob") && !text.contains("secret"),
        "{text}"
    );
}
