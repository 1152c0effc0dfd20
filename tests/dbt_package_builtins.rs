//! dbt's built-in macros as a transform package calls them (what running Fivetran's hubspot
//! package with scripts/dbt-compat.sh showed), in a small dbt project on real DuckDB: a package
//! `crm` that fills the columns its source lacks with typed nulls, joins names with
//! `dbt.concat` and ends a calendar at dbt's older current-time macro.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

/// A dbt project `shop` with the package `crm` in dbt_packages/ and one seed of owners.
fn project() -> TestProject {
    let p = TestProject::dbt("");
    p.write("seeds/owners.csv", "owner_id,first_name,last_name\n1,Ada,Lovelace\n2,Alan,\n")
        .write("dbt_packages/crm/dbt_project.yml", "name: crm\nversion: '1.0.0'\nconfig-version: 2\n")
        .write(
            "dbt_packages/crm/macros/columns.sql",
            // The columns a staging model expects, each cast to a portable type when absent.
            "{% macro owner_columns() %}\
             {{ return([{'name': 'owner_id', 'datatype': dbt.type_int()}, \
             {'name': 'team_id', 'datatype': dbt.type_int()}]) }}\
             {% endmacro %}\n",
        )
        .write(
            "dbt_packages/crm/models/stg_owner.sql",
            "select owner_id,\n  \
             {% for c in crm.owner_columns() if c.name != 'owner_id' %}cast(null as {{ c.datatype }}) as {{ c.name }},{% endfor %}\n  \
             {{ dbt.concat(['first_name', \"' '\", 'last_name']) }} as full_name\n\
             from {{ ref('owners') }}\n",
        )
        .write(
            "dbt_packages/crm/models/calendar_end.sql",
            "select {{ dbt.dateadd('week', 1, dbt.current_timestamp_in_utc_backcompat()) }} as end_at,\n  \
             {{ dbt.current_timestamp_backcompat() }} as now_at\n",
        );
    p
}

#[test]
fn a_packages_typed_nulls_take_dbt_duckdbs_integer_and_concat_is_null_when_a_part_is() {
    let p = project();
    p.ok(&["build"]);
    assert_eq!(
        p.query(
            "select column_name, data_type from information_schema.columns \
             where table_name = 'stg_owner' order by ordinal_position"
        ),
        vec![
            vec!["owner_id", "INTEGER"],
            vec!["team_id", "INTEGER"],
            vec!["full_name", "VARCHAR"]
        ]
    );
    // dbt joins with `||`: an owner without a last name has no full name, on DuckDB as on
    // Snowflake (DuckDB's concat() would have given 'Alan ').
    assert_eq!(
        p.query("select owner_id, coalesce(full_name, '<null>') from analytics.stg_owner order by 1"),
        vec![vec!["1", "Ada Lovelace"], vec!["2", "<null>"]]
    );
}

#[test]
fn dbts_backcompat_current_timestamps_are_the_utc_time_without_zone() {
    let p = project();
    p.ok(&["run", "--select", "calendar_end"]);
    assert_eq!(
        p.query(
            "select data_type from information_schema.columns \
             where table_name = 'calendar_end' order by ordinal_position"
        ),
        vec![vec!["TIMESTAMP"], vec!["TIMESTAMP"]]
    );
    // The view reads the clock when queried: a week ahead of UTC now, and UTC now.
    assert_eq!(
        p.query(
            "select date_diff('day', cast(current_timestamp at time zone 'UTC' as timestamp), end_at), \
             abs(date_diff('minute', now_at, cast(current_timestamp at time zone 'UTC' as timestamp))) < 5 \
             from analytics.calendar_end"
        ),
        vec![vec!["7", "true"]]
    );
}
