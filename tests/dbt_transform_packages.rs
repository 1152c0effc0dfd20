//! A transform package in the style of the vendor-maintained dbt packages that carry their own
//! staging models (scripts/dbt-compat.sh runs two of them): what running them showed mozt
//! lacked, each on a small dbt project with the package in dbt_packages/, built with the real
//! binary on DuckDB.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

const PROFILE: &str = "mail:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: mail_raw\n      threads: 1\n";

/// The integration project `mail_integration` with the package `mail` in dbt_packages/ and one
/// seed, `send_data`.
fn project() -> TestProject {
    let p = TestProject::empty();
    p.write(
        "dbt_project.yml",
        "name: mail_integration\nversion: '1.0.0'\nconfig-version: 2\nprofile: mail\n",
    )
    .write("profiles.yml", PROFILE)
    .write(
        "seeds/send_data.csv",
        "campaign_id,experiment_id,user_id\n1,10,7\n1,11,7\n2,,8\n",
    )
    .write(
        "dbt_packages/mail/dbt_project.yml",
        "name: mail\nversion: '1.0.0'\nconfig-version: 2\nmodels:\n  mail:\n    +materialized: table\n",
    )
    .write(
        "dbt_packages/mail/models/src_mail.yml",
        "version: 2\nsources:\n  - name: mail\n    schema: mail_raw\n    tables:\n      - name: send\n        identifier: send_data\n",
    );
    p
}

/// `{% do list.append(x) if flag %}`: Jinja2's `do` takes any expression, a conditional one
/// included; the key's fields follow the var.
#[test]
fn a_conditional_do_runs_its_call_only_when_the_condition_holds() {
    let p = project();
    p.write(
        "dbt_packages/mail/models/mail__user_campaign.sql",
        "{% set key_fields = ['user_id', 'campaign_id'] %}\n\
         {% do key_fields.append('experiment_id') if var('mail__using_experiments', true) %}\n\
         {%- do key_fields.append('never') if false -%}\n\
         select distinct '{{ key_fields | join(\",\") }}' as key_fields, {{ key_fields | join(', ') }}\n\
         from {{ source('mail', 'send') }}\n",
    );
    p.ok(&["seed"]);
    p.ok(&["run"]);
    assert_eq!(
        p.query("select distinct key_fields from mail_raw.mail__user_campaign"),
        vec![vec!["user_id,campaign_id,experiment_id"]]
    );
    p.ok(&["run", "--vars", "{mail__using_experiments: false}"]);
    assert_eq!(
        p.query("select distinct key_fields from mail_raw.mail__user_campaign"),
        vec![vec!["user_id,campaign_id"]]
    );
}
