//! Column lineage of the sample project: for each column, the upstream columns it derives from
//! directly, and the columns at the end of the chain (sources, seeds, and constants made in a
//! model), written out by hand from the models' SQL.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use mozt::check::lineage::{Graph, Tree, leaves};
use mozt::engine::lineage::analyze_all;
use mozt::engine::{LoadOptions, Session};
use mozt::sql::columns::ColRef;

fn session() -> Session {
    let options = LoadOptions {
        project_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        target: Some("dev".to_string()),
        ..Default::default()
    };
    Session::load(&options).expect("load the sample project")
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn direct(t: &Tree) -> BTreeSet<String> {
    t.children.iter().map(|c| format!("{}.{}", c.name, c.column)).collect()
}

/// (model.column, direct upstream columns, columns at the end of the chain)
const EXPECTED: &[(&str, &[&str], &[&str])] = &[
    (
        "dim_users.user_key",
        &["stg_braze__user.user_key"],
        &["braze.user.braze_id", "braze.user.external_id"],
    ),
    ("dim_users.email", &["stg_braze__user.email"], &["braze.user.email"]),
    (
        "dim_users.revenue_usd",
        &["int_braze__purchases.price_usd"],
        &["braze.purchase_event.price", "currency_rates.usd_per_unit"],
    ),
    (
        "dim_users.last_engaged_at",
        &[
            "int_braze__conversions.converted_at",
            "int_braze__message_events.occurred_at",
            "int_braze__purchases.purchased_at",
        ],
        &[
            "braze.campaign_conversion_event.time",
            "braze.canvas_conversion_event.time",
            "braze.email_event.time",
            "braze.purchase_event.time",
            "braze.push_notification_event.time",
        ],
    ),
    (
        "dim_users.is_unsubscribed",
        &["int_braze__message_events.occurred_at"],
        &["braze.email_event.time", "braze.push_notification_event.time"],
    ),
    (
        "dim_users.email_open_rate",
        &[
            "fct_message_funnel.channel",
            "fct_message_funnel.delivered_at",
            "fct_message_funnel.first_opened_at",
        ],
        &[
            "braze.email_event.event_type",
            "braze.email_event.id",
            "braze.email_event.machine_open",
            "braze.email_event.time",
            "braze.push_notification_event.device_id",
            "braze.push_notification_event.event_type",
            "braze.push_notification_event.id",
            "braze.push_notification_event.time",
            "stg_braze__email_event.channel",
            "stg_braze__push_notification_event.channel",
        ],
    ),
    // count(*) reads no column.
    ("dim_users.conversions", &[], &[]),
    ("fct_campaign_performance.sends", &[], &[]),
    (
        "fct_message_funnel.message_name",
        &["stg_braze__campaign.campaign_name", "stg_braze__canvas.canvas_name"],
        &["braze.campaign.name", "braze.canvas.name"],
    ),
    (
        "fct_message_funnel.converted_at",
        &["int_braze__conversion_attribution.converted_at"],
        &[
            "braze.campaign_conversion_event.time",
            "braze.canvas_conversion_event.time",
        ],
    ),
    (
        "fct_message_funnel.attributed_revenue_usd",
        &["int_braze__purchase_attribution.price_usd"],
        &["braze.purchase_event.price", "currency_rates.usd_per_unit"],
    ),
    (
        "fct_message_funnel.sent_date",
        &["int_braze__messages.sent_at"],
        &[
            "braze.email_event.event_type",
            "braze.email_event.time",
            "braze.push_notification_event.event_type",
            "braze.push_notification_event.time",
        ],
    ),
    (
        "fct_campaign_performance.revenue_usd",
        &["fct_message_funnel.attributed_revenue_usd"],
        &["braze.purchase_event.price", "currency_rates.usd_per_unit"],
    ),
    (
        "int_braze__messages.message_key",
        &[
            "int_braze__message_events.channel",
            "int_braze__message_events.dispatch_id",
            "int_braze__message_events.user_key",
        ],
        &[
            "braze.email_event.dispatch_id",
            "braze.email_event.external_user_id",
            "braze.email_event.user_id",
            "braze.push_notification_event.dispatch_id",
            "braze.push_notification_event.external_user_id",
            "braze.push_notification_event.user_id",
            "braze.user.braze_id",
            "braze.user.external_id",
            "stg_braze__email_event.channel",
            "stg_braze__push_notification_event.channel",
        ],
    ),
    (
        "int_braze__messages.delivered_at",
        &[
            "int_braze__message_events.action",
            "int_braze__message_events.channel",
            "int_braze__message_events.device_id",
            "int_braze__message_events.event_id",
            "int_braze__message_events.occurred_at",
        ],
        &[
            "braze.email_event.event_type",
            "braze.email_event.id",
            "braze.email_event.time",
            "braze.push_notification_event.device_id",
            "braze.push_notification_event.event_type",
            "braze.push_notification_event.id",
            "braze.push_notification_event.time",
            "stg_braze__email_event.channel",
            "stg_braze__push_notification_event.channel",
        ],
    ),
    (
        "int_braze__message_events.user_key",
        &[
            "stg_braze__email_event.braze_user_id",
            "stg_braze__email_event.external_user_id",
            "stg_braze__push_notification_event.braze_user_id",
            "stg_braze__push_notification_event.external_user_id",
            "stg_braze__user.user_key",
        ],
        &[
            "braze.email_event.external_user_id",
            "braze.email_event.user_id",
            "braze.push_notification_event.external_user_id",
            "braze.push_notification_event.user_id",
            "braze.user.braze_id",
            "braze.user.external_id",
        ],
    ),
    (
        "int_braze__message_events.is_human_open",
        &[
            "stg_braze__email_event.action",
            "stg_braze__email_event.is_machine_open",
            "stg_braze__push_notification_event.action",
        ],
        &[
            "braze.email_event.event_type",
            "braze.email_event.machine_open",
            "braze.push_notification_event.event_type",
        ],
    ),
    (
        "int_braze__conversions.canvas_id",
        &["stg_braze__canvas_conversion_event.canvas_id"],
        &["braze.canvas_conversion_event.canvas_id"],
    ),
    (
        "stg_braze__purchase_event.price_usd",
        &["braze.purchase_event.price", "currency_rates.usd_per_unit"],
        &["braze.purchase_event.price", "currency_rates.usd_per_unit"],
    ),
    (
        "stg_braze__user.is_anonymous",
        &["braze.user.external_id"],
        &["braze.user.external_id"],
    ),
    (
        "stg_braze__campaign.has_push",
        &["stg_braze__campaign_versions.has_push"],
        &[
            "braze.campaign.channel_android_push",
            "braze.campaign.channel_ios_push",
            "braze.campaign.channel_web_push",
        ],
    ),
    (
        "stg_braze__email_event.action",
        &["braze.email_event.event_type"],
        &["braze.email_event.event_type"],
    ),
    (
        "int_braze__purchase_attribution.message_key",
        &["int_braze__messages.message_key"],
        &[
            "braze.email_event.dispatch_id",
            "braze.email_event.external_user_id",
            "braze.email_event.user_id",
            "braze.push_notification_event.dispatch_id",
            "braze.push_notification_event.external_user_id",
            "braze.push_notification_event.user_id",
            "braze.user.braze_id",
            "braze.user.external_id",
            "stg_braze__email_event.channel",
            "stg_braze__push_notification_event.channel",
        ],
    ),
    (
        "campaign_names_snapshot.campaign_name",
        &["stg_braze__campaign.campaign_name"],
        &["braze.campaign.name"],
    ),
    (
        "stg_braze__canvas_step.channel",
        &["stg_braze__canvas_step_versions.channel"],
        &[
            "braze.canvas_step.channel_android_push",
            "braze.canvas_step.channel_email",
            "braze.canvas_step.channel_ios_push",
            "braze.canvas_step.channel_sms",
            "braze.canvas_step.channel_web_push",
        ],
    ),
];

#[test]
fn upstream_columns_of_the_sample_project() {
    assert!(EXPECTED.len() >= 20);
    let session = session();
    let analysis = analyze_all(&session).expect("the sample project analyses cleanly");
    let graph = Graph::new(&session.manifest, &analysis.lineage);
    let mut wrong = vec![];
    for (spec, want_direct, want_leaves) in EXPECTED {
        let (model, column) = spec.split_once('.').expect("model.column");
        let node = session.manifest.by_name(model).expect("a node of the sample project");
        let tree = graph.upstream(&ColRef {
            node: node.unique_id.clone(),
            column: column.to_string(),
        });
        let (d, l) = (direct(&tree), leaves(&tree));
        if d != set(want_direct) || l != set(want_leaves) {
            wrong.push(format!("{spec}:\n  direct {d:?}\n  leaves {l:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn downstream_of_a_source_column() {
    let session = session();
    let analysis = analyze_all(&session).expect("analysis");
    let graph = Graph::new(&session.manifest, &analysis.lineage);
    let source = session.manifest.source("braze", "user").expect("source braze.user");
    let tree = graph.downstream(&ColRef {
        node: source.unique_id.clone(),
        column: "email".to_string(),
    });
    let mut reached = BTreeSet::new();
    fn walk(t: &Tree, out: &mut BTreeSet<String>) {
        for c in &t.children {
            out.insert(format!("{}.{}", c.name, c.column));
            walk(c, out);
        }
    }
    walk(&tree, &mut reached);
    assert_eq!(reached, set(&["stg_braze__user.email", "dim_users.email"]));
}

#[test]
fn output_columns_are_derived_through_star_and_ctes() {
    let session = session();
    let analysis = analyze_all(&session).expect("analysis");
    let graph = Graph::new(&session.manifest, &analysis.lineage);
    // dim_users is `select *, ... from joined`: the star expands to the CTE's columns.
    let cols = graph
        .columns(&session.manifest.by_name("dim_users").expect("dim_users").unique_id)
        .expect("dim_users analysed");
    assert_eq!(cols.first().map(String::as_str), Some("user_key"));
    assert!(cols.contains(&"last_engaged_at".to_string()));
    assert_eq!(cols.last().map(String::as_str), Some("click_rate"));
    // Every column declared in YAML for a model is among the columns derived from its SQL.
    for n in &session.manifest.nodes {
        // Custom materializations may build other columns than the select's.
        if !["view", "table", "incremental"].contains(&n.materialized().as_str()) {
            continue;
        }
        if let Some(derived) = graph.columns(&n.unique_id) {
            for declared in n.columns.keys() {
                assert!(
                    derived.iter().any(|c| c.eq_ignore_ascii_case(declared)),
                    "{}: YAML column {declared} not derived from its SQL ({derived:?})",
                    n.name
                );
            }
        }
    }
}

/// A model reading a source through an ephemeral model (injected as a CTE) reads it through
/// source(): no "hard-coded relation" warning (an error with --strict), and its columns'
/// lineage reaches the source.
#[test]
fn sources_read_through_an_ephemeral_model_are_not_hard_coded() {
    let p = common::TestProject::with_yml(&common::project_yml("eph", ""));
    p.write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: crm\n    schema: crm\n    tables:\n      - name: customers\n        columns:\n          - name: customer_id\n          - name: email\n",
    );
    p.write(
        "models/customers_base.sql",
        "{{ config(materialized='ephemeral') }}\nselect customer_id, email from {{ source('crm', 'customers') }}",
    );
    p.write(
        "models/customers.sql",
        "select customer_id, lower(email) as email from {{ ref('customers_base') }}",
    );
    let out = p.mozt(&["compile", "--strict"]);
    out.assert_ok();
    assert!(!out.stderr.contains("bypassing"), "{}", out.stderr);
    let manifest = p.json("target/manifest.json");
    let lineage = &manifest["nodes"]["model.eph.customers"]["meta"]["mozt"]["columns_lineage"];
    assert_eq!(
        lineage["email"],
        serde_json::json!({"source.eph.crm.customers": ["email"]}),
        "{lineage}"
    );
    assert_eq!(
        lineage["customer_id"],
        serde_json::json!({"source.eph.crm.customers": ["customer_id"]}),
        "{lineage}"
    );
}

/// A project of `levels` levels: at each, models a and b whose column c reads the c of both
/// models of the level below (so the tree of the top column doubles at every level), over a
/// chain of `chain` models under the bottom level.
fn lineage_project(levels: usize, chain: usize) -> common::TestProject {
    let p = common::TestProject::new("deep_lineage");
    p.write("models/k0.sql", "select 1 as c\n");
    for i in 1..chain {
        p.write(
            &format!("models/k{i}.sql"),
            &format!("select c from {{{{ ref('k{}') }}}}\n", i - 1),
        );
    }
    let bottom = format!("k{}", chain - 1);
    for side in ["a", "b"] {
        p.write(
            &format!("models/{side}0.sql"),
            &format!("select c from {{{{ ref('{bottom}') }}}}\n"),
        );
    }
    for i in 1..levels {
        let sql = format!(
            "select x.c + y.c as c from {{{{ ref('a{0}') }}}} x cross join {{{{ ref('b{0}') }}}} y\n",
            i - 1
        );
        p.write(&format!("models/a{i}.sql"), &sql)
            .write(&format!("models/b{i}.sql"), &sql);
    }
    p
}

/// A column read through more models than the tree prints levels, and through so many paths
/// that its full tree would hold billions of columns (2^40): `mozt lineage` answers at once
/// (no call stack as deep as the chain, no tree as wide as the paths), says where it cut the
/// tree, and JSON marks the cut columns `truncated`.
#[test]
fn lineage_through_long_chains_and_many_paths_is_cut_and_says_so() {
    let p = lineage_project(40, 300);
    let out = p.ok(&["lineage", "a39.c"]);
    let lines = out.stdout.lines().count();
    assert!(
        lines > 1000 && lines <= mozt::check::lineage::MAX_COLUMNS + 2_000,
        "{lines} lines"
    );
    assert!(
        out.stdout.contains("└── … (the tree stops here"),
        "{}",
        &out.stdout[..2000]
    );
    // Down the chain: one column per level, until the cut (read as text: the JSON nests
    // deeper than serde_json reads by default).
    let out = p.ok(&["lineage", "k0.c", "--downstream", "--output", "json"]);
    let last = format!("k{}", mozt::check::lineage::MAX_DEPTH - 1);
    assert!(out.stdout.contains(&format!("\"name\": \"{last}\"")), "{last}");
    assert!(
        !out.stdout
            .contains(&format!("\"name\": \"k{}\"", mozt::check::lineage::MAX_DEPTH))
    );
    assert_eq!(out.stdout.matches("\"truncated\": true").count(), 1, "{}", out.stdout);
    // A short chain is printed whole: no cut.
    let out = p.ok(&["lineage", "k5.c"]);
    assert_eq!(out.stdout.lines().count(), 6, "{}", out.stdout);
    assert!(!out.stdout.contains("stops here"), "{}", out.stdout);
}
