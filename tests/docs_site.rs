//! The docs site in a real browser (headless Chromium from Debian's packages, driven over
//! WebDriver by chromedriver): the repo's Braze sample is built in a temp folder, `mozt docs
//! generate --static` writes catalog.json and the site, `mozt docs serve` serves it, and the
//! browser searches for a model, opens it, checks its columns and their tests, follows the DAG
//! of dim_users and the column lineage of a dim_users column, on the served site and on the
//! static export opened from file://. Screenshots go to target/docs-screenshots/.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod webdriver;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{TestProject, sample_project};
use webdriver::Browser;

const DIM_USERS: &str = "model.braze_analytics.dim_users";

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/docs-screenshots")
}

/// `mozt docs serve --port 0`, stopped when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(p: &TestProject) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mozt"))
            .args(["docs", "serve", "--port", "0", "--project-dir"])
            .arg(p.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mozt docs serve");
        let stdout = child.stdout.take().expect("the server's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the server's first line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("mozt docs serve printed no URL: {line:?}"))
            .to_string();
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sample, with one extra model whose descriptions hold Markdown, raw HTML and a doc() call.
fn project() -> TestProject {
    let p = sample_project();
    p.write("models/docs_probe.sql", "select 1 as id\n").write(
        "models/docs_probe.yml",
        "models:\n  - name: docs_probe\n    description: |\n      **Bold** words, `code`, a [link](https://example.com) and\n      <img src=x onerror=\"window.__probe = 1\"> left as text.\n\n      - first\n      - second\n    columns:\n      - name: id\n        description: \"{{ doc('probe_id') }}\"\n        tests: [not_null]\n",
    )
    .write(
        "models/docs_probe.md",
        "{% docs probe_id %}\nThe <b>id</b>, from a docs block.\n{% enddocs %}\n",
    );
    p.ok(&["build"]);
    // The sample's data is from 2024, so every checked source is stale (exit 1); the results
    // are in target/sources.json all the same.
    let fresh = p.mozt(&["source", "freshness"]);
    if fresh.code > 1 {
        fresh.fail("mozt source freshness");
    }
    p.ok(&["docs", "generate", "--static"]);
    p
}

fn css_count(b: &Browser, css: &str) -> usize {
    b.find_all(css).len()
}

/// What mozt's own selector picks for `+dim_users` among models, seeds, snapshots and sources.
fn ls_count(p: &TestProject, selector: &str) -> usize {
    p.ok(&[
        "ls",
        "-s",
        selector,
        "--resource-type",
        "model",
        "seed",
        "snapshot",
        "source",
        "--output",
        "name",
    ])
    .stdout
    .lines()
    .filter(|l| !l.trim().is_empty())
    .count()
}

/// The checks, on the served site or the static export (`prefix` names the screenshots).
fn check_site(b: &Browser, index: &str, prefix: &str, expected_dag: usize) {
    let shots = screenshots();
    b.goto(index);
    b.wait_until("the project's name in the header", |b| {
        b.text(&b.wait_for("#project-name")) == "braze_analytics"
    });
    assert!(
        b.text(&b.wait_for("#main")).contains("Braze syncs"),
        "the overview lists the Braze syncs"
    );

    // Search for a model and open it.
    let search = b.wait_for("#search");
    b.type_into(&search, "dim_us");
    let hit = b.wait_for(&format!(".results li a[data-id='{DIM_USERS}']"));
    b.screenshot(&shots.join(format!("{prefix}search.png")));
    b.click(&hit);
    b.wait_until("dim_users's page", |b| {
        b.find_all("#node-title")
            .first()
            .is_some_and(|e| b.text(e) == "dim_users")
    });

    // Its columns, with the warehouse's types and the tests on each, with their last results.
    let row = b.wait_for("#columns tr[data-column='user_key']");
    let text = b.text(&row);
    assert!(text.contains("VARCHAR"), "user_key's type from the catalog: {text}");
    assert!(
        text.contains("unique") && text.contains("not_null"),
        "user_key's tests: {text}"
    );
    assert!(text.contains("pass"), "user_key's tests passed in the last run: {text}");
    for col in ["email", "engagement_tier", "last_engaged_at"] {
        assert_eq!(
            css_count(b, &format!("#columns tr[data-column='{col}']")),
            1,
            "dim_users lists column {col}"
        );
    }
    let page = b.text(&b.wait_for("#main"));
    assert!(page.contains("success"), "the last run's status: {page}");
    assert!(page.contains("300 rows"), "the row count from the catalog: {page}");
    // Compiled SQL is highlighted (keywords in their own spans).
    assert!(css_count(b, "pre.sql .sql-kw") > 5, "the compiled SQL is highlighted");
    b.screenshot(&shots.join(format!("{prefix}model.png")));

    // The DAG around dim_users, then only its upstream (`+dim_users`).
    b.click(&b.wait_for("#open-dag"));
    b.wait_for(&format!("svg.graph g.node.focus[data-id='{DIM_USERS}']"));
    let input = b.wait_for("#dag-input");
    b.clear(&input);
    b.type_into(&input, "+dim_users\n");
    b.wait_until("the DAG of +dim_users", |b| {
        b.current_url().contains("%2Bdim_users") && css_count(b, "svg.graph g.node") == expected_dag
    });
    assert_eq!(
        css_count(b, "svg.graph g.node[data-id='source.braze_analytics.braze.user']"),
        1,
        "the DAG reaches the Braze source tables"
    );
    assert_eq!(
        css_count(
            b,
            "svg.graph g.node[data-id='model.braze_analytics.braze_user_attributes_sync']"
        ),
        0,
        "+dim_users draws nothing downstream"
    );
    // Zoom out and back with the buttons (the transform changes).
    let before = b.script("return document.querySelector('svg.graph g.viewport').getAttribute('transform')");
    b.click(&b.wait_for(".graph-tools button[data-z='out']"));
    let after = b.script("return document.querySelector('svg.graph g.viewport').getAttribute('transform')");
    assert_ne!(before, after, "zoom changes the drawing's transform");
    // Drag to pan: the transform moves, and no node opens.
    let url = b.current_url();
    b.drag(&b.wait_for("svg.graph"), 120, 40);
    let dragged = b.script("return document.querySelector('svg.graph g.viewport').getAttribute('transform')");
    assert_ne!(after, dragged, "dragging pans the drawing");
    assert_eq!(b.current_url(), url, "a drag opens nothing");
    b.click(&b.wait_for(".graph-tools button[data-z='fit']"));
    b.screenshot(&shots.join(format!("{prefix}dag.png")));
    // Click a node to open it.
    b.click(&b.wait_for("svg.graph g.node[data-id='model.braze_analytics.stg_braze__user']"));
    b.wait_until("stg_braze__user's page", |b| {
        b.find_all("#node-title")
            .first()
            .is_some_and(|e| b.text(e) == "stg_braze__user")
    });

    // A selector mozt does not know is an error on the page, not an empty drawing.
    b.goto(&format!("{index}#/dag/bogus%3Ax"));
    b.wait_until("the selector error", |b| {
        b.find_all("#dag-message")
            .first()
            .is_some_and(|e| b.text(e).contains("unknown selector method"))
    });

    // Column lineage of dim_users.engagement_tier: upstream to a Braze source, downstream to
    // the Braze user sync.
    b.goto(&format!("{index}#/node/{DIM_USERS}"));
    let link = b.wait_for("#columns tr[data-column='engagement_tier'] a.lineage-link");
    b.click(&link);
    b.wait_for("#lineage svg.graph g.node.focus");
    let roots = b.text(&b.wait_for("#lineage-roots"));
    assert!(
        roots.contains("braze."),
        "engagement_tier comes from Braze sources: {roots}"
    );
    let syncs = b.text(&b.wait_for("#lineage-syncs"));
    assert!(
        syncs.contains("braze_user_attributes_sync.engagement_tier"),
        "engagement_tier feeds the user sync: {syncs}"
    );
    assert_eq!(
        css_count(
            b,
            "#lineage g.node[data-id='model.braze_analytics.braze_user_attributes_sync|engagement_tier']"
        ),
        1,
        "the drawing shows the sync's column"
    );
    b.screenshot(&shots.join(format!("{prefix}lineage-engagement_tier.png")));
    // A column with a narrower lineage, for the README's picture; then click a source column.
    b.goto(&format!("{index}#/lineage/{DIM_USERS}/last_engaged_at"));
    b.wait_for("#lineage svg.graph g.node[data-id='source.braze_analytics.braze.email_event|time']");
    b.screenshot(&shots.join(format!("{prefix}lineage.png")));
    b.click(&b.wait_for("#lineage svg.graph g.node[data-id='source.braze_analytics.braze.email_event|time']"));
    b.wait_until("the lineage of braze.email_event.time", |b| {
        b.find_all("#lineage-title")
            .first()
            .is_some_and(|e| b.text(e) == "Lineage of braze.email_event.time")
    });

    // Markdown renders; HTML in a description stays text.
    b.goto(&format!("{index}#/node/model.braze_analytics.docs_probe"));
    b.wait_for(".description strong");
    assert_eq!(css_count(b, ".description img"), 0, "no HTML from a description");
    assert_eq!(css_count(b, "#columns b"), 0, "no HTML from a column description");
    let id_row = b.text(&b.wait_for("#columns tr[data-column='id']"));
    assert!(
        id_row.contains("The <b>id</b>, from a docs block."),
        "doc() resolves: {id_row}"
    );
    assert_eq!(css_count(b, ".description li"), 2, "the list renders");
    assert_eq!(b.script("return window.__probe === undefined"), Value::Bool(true));
    let desc = b.text(&b.wait_for(".description"));
    assert!(desc.contains("<img src=x"), "the HTML shows as text: {desc}");
}

/// The site's selector (JavaScript) picks what `mozt ls` picks, for each kind of selector.
fn check_selectors_match_mozt(b: &Browser, p: &TestProject, index: &str) {
    let selectors = [
        "tag:marts",
        "path:models/staging",
        "stg_braze__user+",
        "@stg_braze__user",
        "2+fct_message_funnel",
        "tag:braze,config.materialized:table",
        "source:braze+1",
        "resource_type:seed",
        "staging.braze",
        "int_braze__*",
        "dim_users fct_campaign_performance",
    ];
    for sel in selectors {
        let want = ls_count(p, sel);
        let encoded: String = sel
            .bytes()
            .map(|c| match c {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (c as char).to_string(),
                _ => format!("%{c:02X}"),
            })
            .collect();
        b.goto(&format!("{index}#/dag/{encoded}"));
        let expect = format!("{want} node{}, ", if want == 1 { "" } else { "s" });
        b.wait_until(&format!("`{sel}` to draw {want} nodes as mozt ls selects"), |b| {
            b.find_all("#dag-message")
                .first()
                .is_some_and(|e| b.text(e).starts_with(&expect))
                && b.find_all("#dag-input")
                    .first()
                    .and_then(|e| b.attr(e, "value"))
                    .is_some_and(|v| v == sel)
        });
    }
}

#[test]
fn docs_site_in_a_browser_served_and_static() {
    let p = project();
    let expected_dag = ls_count(&p, "+dim_users");

    // catalog.json: dbt's catalog v1 shape, filled from DuckDB's catalog.
    let catalog = p.json("target/catalog.json");
    assert_eq!(
        catalog["metadata"]["dbt_schema_version"],
        "https://schemas.getdbt.com/dbt/catalog/v1.json"
    );
    let dim = &catalog["nodes"][DIM_USERS];
    assert_eq!(dim["metadata"]["type"], "BASE TABLE");
    assert_eq!(dim["metadata"]["name"], "dim_users");
    assert_eq!(dim["unique_id"], DIM_USERS);
    assert_eq!(dim["columns"]["user_key"]["type"], "VARCHAR");
    assert_eq!(dim["columns"]["user_key"]["index"], 1);
    assert_eq!(dim["stats"]["row_count"]["value"], 300);
    assert_eq!(dim["stats"]["has_stats"]["value"], true);
    let view = &catalog["nodes"]["model.braze_analytics.stg_braze__user"];
    assert_eq!(view["metadata"]["type"], "VIEW");
    assert!(
        catalog["sources"]["source.braze_analytics.braze.user"]["columns"]["braze_id"].is_object(),
        "a source's columns come from the warehouse"
    );
    assert!(catalog["errors"].is_null());

    let browser = Browser::start();
    let served = Served::start(&p);
    check_site(&browser, &format!("{}index.html", served.url), "", expected_dag);
    check_selectors_match_mozt(&browser, &p, &format!("{}index.html", served.url));
    drop(served);

    let index = p.path().join("target/docs/index.html");
    assert!(index.is_file(), "--static writes target/docs/index.html");
    check_site(
        &browser,
        &format!("file://{}", index.display()),
        "static-",
        expected_dag,
    );

    check_dag_cap(&browser, &wide_project());
}

/// A project of 450 models (model i reads model i/2): more than the DAG draws at once.
fn wide_project() -> TestProject {
    let p = TestProject::new("wide");
    p.write("models/m_0.sql", "select 1 as id\n");
    for i in 1..450 {
        p.write(
            &format!("models/m_{i}.sql"),
            &format!("select id from {{{{ ref('m_{}') }}}}\n", i / 2),
        );
    }
    p.ok(&["docs", "generate", "--static"]);
    p
}

/// The whole DAG of a large project is not drawn (a message says how to narrow it); a
/// selection in it is.
fn check_dag_cap(b: &Browser, p: &TestProject) {
    let index = format!("file://{}", p.path().join("target/docs/index.html").display());
    b.goto(&format!("{index}#/dag/"));
    b.wait_until("the message about the drawing's cap", |b| {
        b.find_all("#dag-message")
            .first()
            .is_some_and(|e| b.text(e).contains("450 nodes; the drawing shows at most 400"))
    });
    assert_eq!(css_count(b, "svg.graph g.node"), 0, "nothing drawn over the cap");
    b.goto(&format!("{index}#/dag/%2Bm_300"));
    // m_300's ancestors: 150, 75, 37, 18, 9, 4, 2, 1, 0.
    b.wait_until("the DAG of +m_300", |b| css_count(b, "svg.graph g.node") == 10);
    b.screenshot(&screenshots().join("static-dag-wide.png"));
}

#[test]
fn serve_without_generate_says_what_to_run() {
    let p = TestProject::new("empty_docs");
    let out = p.mozt(&["docs", "serve", "--port", "0"]);
    out.assert_project_error();
    assert!(out.stderr.contains("mozt docs generate"), "{}", out.stderr);
}
