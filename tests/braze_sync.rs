//! Braze Cloud Data Ingestion: the `braze_user_sync` materialization over three runs, and the
//! Snowflake statements of `mozt braze setup` / `rotate-key`.

mod common;

use common::TestProject;
use serde_json::{Value, json};

const PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n\
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n\
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh\n\
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ\n\
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg\n\
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc\n\
mwIDAQAB\n\
-----END PUBLIC KEY-----\n";

fn project() -> TestProject {
    let p = TestProject::new("bz");
    p.write(
        "models/braze_user_attributes_sync.sql",
        "{{ config(materialized='braze_user_sync') }}\n\
         select external_id, tier as engagement_tier, ltv as lifetime_value, last_purchase_at, vip\n\
         from {{ ref('users') }}\n",
    );
    p
}

/// The sync rows, oldest first: (UPDATED_AT, EXTERNAL_ID, PAYLOAD as JSON).
fn sync_rows(p: &TestProject) -> Vec<(String, String, Value)> {
    p.query(
        "select cast(UPDATED_AT as varchar), EXTERNAL_ID, PAYLOAD from analytics.braze_user_attributes_sync \
         order by UPDATED_AT, EXTERNAL_ID",
    )
    .into_iter()
    .map(|r| {
        let payload: Value =
            serde_json::from_str(&r[2]).unwrap_or_else(|e| panic!("payload {} is not JSON: {e}", r[2]));
        assert!(payload.is_object(), "payload must be a JSON object: {payload}");
        (r[0].clone(), r[1].clone(), payload)
    })
    .collect()
}

#[test]
fn three_runs_send_only_what_changed() {
    let p = project();
    p.write(
        "seeds/users.csv",
        "external_id,tier,ltv,last_purchase_at,vip\nu1,active,10.5,2024-01-01 10:00:00,true\nu2,dormant,0,,false\nu3,lapsing,5,2024-02-01 00:00:00,false\n",
    );
    p.ok(&["build"]);
    let first = sync_rows(&p);
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].1, "u1");
    assert_eq!(
        first[0].2,
        json!({"engagement_tier": "active", "lifetime_value": 10.5, "last_purchase_at": "2024-01-01T10:00:00.000Z", "vip": true})
    );
    // A null attribute that was never sent is not sent.
    assert_eq!(
        first[1].2,
        json!({"engagement_tier": "dormant", "lifetime_value": 0.0, "vip": false})
    );
    let stamp = &first[0].0;
    assert!(first.iter().all(|r| &r.0 == stamp), "one timestamp per run: {first:?}");

    // Run 2: u1's value and purchase change, u3 loses its tier, u2 is unchanged, u4 is new.
    p.write(
        "seeds/users.csv",
        "external_id,tier,ltv,last_purchase_at,vip\nu1,active,12.5,2024-03-01 10:00:00,true\nu2,dormant,0,,false\nu3,,5,2024-02-01 00:00:00,false\nu4,active,1,,true\n",
    );
    p.ok(&["build"]);
    let second: Vec<_> = sync_rows(&p).into_iter().skip(3).collect();
    let by_user: Vec<(&str, &Value)> = second.iter().map(|r| (r.1.as_str(), &r.2)).collect();
    assert_eq!(
        by_user,
        vec![
            (
                "u1",
                &json!({"lifetime_value": 12.5, "last_purchase_at": "2024-03-01T10:00:00.000Z"})
            ),
            ("u3", &json!({"engagement_tier": null})),
            (
                "u4",
                &json!({"engagement_tier": "active", "lifetime_value": 1.0, "vip": true})
            ),
        ]
    );
    assert!(
        second[0].0 > *stamp,
        "UPDATED_AT must increase: {} then {}",
        stamp,
        second[0].0
    );
    let now = p.scalar("select cast(cast(current_timestamp at time zone 'UTC' as timestamp) as varchar)");
    assert!(
        second[0].0 <= now,
        "UPDATED_AT {} is in the future (now {now})",
        second[0].0
    );

    // Run 3: nothing changed, nothing is sent.
    p.ok(&["build"]);
    assert_eq!(sync_rows(&p).len(), 6);
}

#[test]
fn duplicate_identifiers_and_size_limits_are_errors() {
    let p = project();
    p.write(
        "seeds/users.csv",
        "external_id,tier,ltv,last_purchase_at,vip\nu1,a,1,,true\nu1,b,2,,false\n",
    );
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("one row per user") && out.stdout.contains("u1"),
        "{}",
        out.stdout
    );

    // 1 MB per row: a huge attribute names the user and sends nothing.
    let p = TestProject::new("bz");
    p.write(
        "models/braze_user_attributes_sync.sql",
        "{{ config(materialized='braze_user_sync') }}\nselect 'big_user' as external_id, repeat('x', 1100000) as notes\n",
    );
    let out = p.mozt(&["run"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("big_user") && out.stdout.contains("1000000 bytes"),
        "{}",
        out.stdout
    );
    assert_eq!(
        p.scalar("select count(*) from information_schema.tables where table_name = 'braze_user_attributes_sync'"),
        "0"
    );

    // 250 attributes per row.
    let cols: Vec<String> = (0..251).map(|i| format!("{i} as a{i}")).collect();
    p.write(
        "models/braze_user_attributes_sync.sql",
        &format!(
            "{{{{ config(materialized='braze_user_sync') }}}}\nselect 'wide_user' as external_id, {}\n",
            cols.join(", ")
        ),
    );
    let out = p.mozt(&["run"]);
    out.assert_code(1);
    assert!(out.stdout.contains("wide_user (251 attributes"), "{}", out.stdout);
}

#[test]
fn other_identifiers() {
    let p = TestProject::new("bz");
    p.write(
        "models/alias_sync.sql",
        "{{ config(materialized='braze_user_sync', braze_identifier='alias') }}\n\
         select 'crm' as alias_label, 'c-1' as alias_name, 'gold' as tier\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query("select ALIAS_NAME, ALIAS_LABEL, PAYLOAD from analytics.alias_sync"),
        vec![vec!["c-1", "crm", "{\"tier\":\"gold\"}"]]
    );
    p.write(
        "models/alias_sync.sql",
        "{{ config(materialized='braze_user_sync', braze_identifier='email') }}\nselect 'x' as tier\n",
    );
    let out = p.mozt(&["run"]);
    out.assert_code(1);
    assert!(
        out.stdout
            .contains("must select the column 'email' (the Braze identifier)"),
        "{}",
        out.stdout
    );
}

#[test]
fn setup_statements() {
    let p = project();
    p.write(
        "project.yml",
        &common::project_yml("bz", "braze:\n  allowed_ips: ['52.1.2.0/24', '52.3.4.5']\n"),
    )
    .write(
        "seeds/users.csv",
        "external_id,tier,ltv,last_purchase_at,vip\nu1,a,1,,true\n",
    )
    .write("braze_key.pub", PUBLIC_KEY);
    let out = p.ok(&["braze", "setup", "--public-key", "braze_key.pub"]);
    insta::assert_snapshot!("braze_setup", out.stdout);
    let out = p.ok(&["braze", "rotate-key", "--public-key", "braze_key.pub"]);
    insta::assert_snapshot!("braze_rotate_key", out.stdout);

    // A private key by mistake is refused, and --apply needs a Snowflake target.
    p.write(
        "private.pem",
        "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    );
    let out = p.mozt(&["braze", "setup", "--public-key", "private.pem"]);
    out.assert_project_error();
    assert!(out.stderr.contains("holds a private key"), "{}", out.stderr);
    let out = p.mozt(&["braze", "setup", "--apply"]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("needs") || out.stderr.contains("snowflake"),
        "{}",
        out.stderr
    );
}

/// `--apply` on the Snowflake emulator: every statement is sent over Snowflake's protocol and
/// reported. fakesnow 0.12.1 runs `use role` and none of the role, warehouse, grant, user or
/// key statements (its parser rejects them): each is reported as failed with the emulator's
/// message, and the command fails naming how many. Running it twice gives the same report.
#[test]
fn setup_apply_on_the_emulator() {
    let p = common::emulator_project("bz_setup");
    p.write(
        "models/braze_user_attributes_sync.sql",
        "{{ config(materialized='braze_user_sync') }}\nselect 'u1' as external_id, 'gold' as tier\n",
    )
    .write("braze_key.pub", PUBLIC_KEY);
    p.ok(&["run"]);
    let printed = p.ok(&["braze", "setup", "--public-key", "braze_key.pub"]);
    let statements: Vec<&str> = printed
        .stdout
        .lines()
        .filter(|l| !l.starts_with("--"))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert!(statements.len() > 8, "{}", printed.stdout);

    let first = p.mozt(&["braze", "setup", "--public-key", "braze_key.pub", "--apply"]);
    first.assert_code(1);
    let mut failed = 0;
    for s in &statements {
        let ok = first.stdout.lines().any(|l| l == format!("ok: {s}"));
        let bad = first.stdout.lines().any(|l| l == format!("failed: {s}"));
        assert!(
            ok != bad,
            "{s} must be reported once as ok or failed:\n{}",
            first.stdout
        );
        failed += usize::from(bad);
    }
    assert!(first.stdout.contains("ok: use role securityadmin"), "{}", first.stdout);
    assert!(
        first
            .stderr
            .contains(&format!("{failed} of {} statements failed", statements.len())),
        "{}",
        first.stderr
    );
    let second = p.mozt(&["braze", "setup", "--public-key", "braze_key.pub", "--apply"]);
    second.assert_code(1);
    assert_eq!(first.stdout, second.stdout, "running setup twice must do the same");
    // The sync table is untouched and still syncs.
    p.ok(&["run"]);
}
