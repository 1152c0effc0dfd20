//! The Braze sync variants (events, purchases, user deletes, catalogs), each over three runs
//! with changes between them, on DuckDB and on the Snowflake emulator (`*_on_snowflake`: needs
//! MOZT_FAKESNOW_URL, as scripts/test.sh sets). Rows are read back with `mozt show`, so both
//! warehouses are checked the same way.

mod common;

use common::TestProject;
use serde_json::{Value, json};

#[derive(Clone, Copy)]
enum Db {
    DuckDb,
    Snowflake,
}

fn project(db: Db, name: &str) -> TestProject {
    match db {
        Db::DuckDb => TestProject::new(name),
        Db::Snowflake => common::emulator_project(name),
    }
}

/// One sync row: UPDATED_AT as text, the identifier, the PAYLOAD parsed (Null without one),
/// and DELETED for catalogs.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    at: String,
    id: String,
    payload: Value,
    deleted: Option<bool>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The sync table's rows, oldest run first, by `id_col` within a run.
fn sync_rows(p: &TestProject, table: &str, id_col: &str) -> Vec<Row> {
    let rows = common::show_rows(
        p,
        &format!("select * from analytics.{table} order by UPDATED_AT, {id_col}"),
    );
    rows.iter()
        .map(|r| {
            let get = |k: &str| r.get(k).or_else(|| r.get(k.to_ascii_lowercase()));
            let payload = match get("PAYLOAD") {
                Some(Value::String(s)) => {
                    let v: Value = serde_json::from_str(s).unwrap_or_else(|e| panic!("PAYLOAD {s} is not JSON: {e}"));
                    assert!(v.is_object(), "PAYLOAD must be a JSON object: {s}");
                    v
                }
                None => Value::Null,
                Some(other) => panic!("PAYLOAD is not text: {other}"),
            };
            Row {
                at: get("UPDATED_AT")
                    .map(text)
                    .unwrap_or_else(|| panic!("no UPDATED_AT in {r}")),
                id: get(id_col).map(text).unwrap_or_else(|| panic!("no {id_col} in {r}")),
                payload,
                deleted: get("DELETED").map(|d| match d {
                    Value::Bool(b) => *b,
                    other => matches!(text(other).to_ascii_lowercase().as_str(), "true" | "1"),
                }),
            }
        })
        .collect()
}

/// The rows of the latest run (`before` rows were there already), checking that the run has
/// one UPDATED_AT, later than every earlier one.
fn new_rows(all: &[Row], before: usize) -> Vec<Row> {
    let new = all[before..].to_vec();
    if let Some(first) = new.first() {
        assert!(new.iter().all(|r| r.at == first.at), "one UPDATED_AT per run: {new:?}");
        assert!(
            all[..before].iter().all(|r| r.at < first.at),
            "UPDATED_AT must increase: {all:?}"
        );
    }
    new
}

fn by_id(rows: &[Row]) -> Vec<(&str, &Value)> {
    rows.iter().map(|r| (r.id.as_str(), &r.payload)).collect()
}

/// The column names of the sync table.
fn columns(p: &TestProject, table: &str) -> Vec<String> {
    let rows = common::show_rows(p, &format!("select * from analytics.{table} limit 1"));
    let mut cols: Vec<String> = rows[0]
        .as_object()
        .map(|o| o.keys().map(|k| k.to_ascii_uppercase()).collect())
        .unwrap_or_default();
    cols.sort();
    cols
}

fn events(db: Db) {
    let p = project(db, "bz_events");
    // By event id, and (second model) by content: the same rows, different notions of "new".
    p.write(
        "models/event_sync.sql",
        "{{ config(materialized='braze_event_sync', unique_key='event_id') }}\n\
         select event_id, external_id, name, ts as time, plan, amount from {{ ref('events') }}\n",
    )
    .write(
        "models/event_content_sync.sql",
        "{{ config(materialized='braze_event_sync') }}\n\
         select external_id, name, ts as time, plan, amount from {{ ref('events') }}\n",
    );
    let seed = |rows: &str| format!("event_id,external_id,name,ts,plan,amount\n{rows}");
    p.write(
        "seeds/events.csv",
        &seed("e1,u1,signup,2024-01-01 10:00:00,free,\ne2,u2,signup,2024-01-02 00:00:00,pro,5\n"),
    );
    p.ok(&["build"]);
    let signup_u1 = json!({"name": "signup", "time": "2024-01-01T10:00:00.000Z", "properties": {"plan": "free"}});
    let signup_u2 =
        json!({"name": "signup", "time": "2024-01-02T00:00:00.000Z", "properties": {"plan": "pro", "amount": 5}});
    for table in ["event_sync", "event_content_sync"] {
        let rows = sync_rows(&p, table, "EXTERNAL_ID");
        assert_eq!(
            by_id(&new_rows(&rows, 0)),
            vec![("u1", &signup_u1), ("u2", &signup_u2)],
            "{table}"
        );
    }
    assert_eq!(columns(&p, "event_sync"), vec!["EXTERNAL_ID", "PAYLOAD", "UPDATED_AT"]);

    // Run 2: a new event; the others are unchanged and not sent again.
    p.write(
        "seeds/events.csv",
        &seed(
            "e1,u1,signup,2024-01-01 10:00:00,free,\ne2,u2,signup,2024-01-02 00:00:00,pro,5\n\
             e3,u1,upgrade,2024-01-05 08:30:00,pro,12\n",
        ),
    );
    p.ok(&["build"]);
    let upgrade =
        json!({"name": "upgrade", "time": "2024-01-05T08:30:00.000Z", "properties": {"plan": "pro", "amount": 12}});
    for table in ["event_sync", "event_content_sync"] {
        let rows = sync_rows(&p, table, "EXTERNAL_ID");
        assert_eq!(by_id(&new_rows(&rows, 2)), vec![("u1", &upgrade)], "{table}");
    }

    // Run 3: e1 is restated with another plan and e4 is new. By event id only e4 is new; by
    // content, the restated e1 is a new event too.
    p.write(
        "seeds/events.csv",
        &seed(
            "e1,u1,signup,2024-01-01 10:00:00,trial,\ne2,u2,signup,2024-01-02 00:00:00,pro,5\n\
             e3,u1,upgrade,2024-01-05 08:30:00,pro,12\ne4,u3,signup,2024-01-06 00:00:00,,\n",
        ),
    );
    p.ok(&["build"]);
    let signup_u3 = json!({"name": "signup", "time": "2024-01-06T00:00:00.000Z"});
    let rows = sync_rows(&p, "event_sync", "EXTERNAL_ID");
    assert_eq!(by_id(&new_rows(&rows, 3)), vec![("u3", &signup_u3)]);
    let rows = sync_rows(&p, "event_content_sync", "EXTERNAL_ID");
    let restated = json!({"name": "signup", "time": "2024-01-01T10:00:00.000Z", "properties": {"plan": "trial"}});
    assert_eq!(by_id(&new_rows(&rows, 3)), vec![("u1", &restated), ("u3", &signup_u3)]);

    // Rows Braze would reject fail the model and send nothing: no name, a duplicate event id,
    // a payload over 1 MB.
    let count = sync_rows(&p, "event_sync", "EXTERNAL_ID").len();
    p.write(
        "seeds/events.csv",
        &seed("e1,u1,signup,2024-01-01 10:00:00,free,\ne5,u4,,2024-01-07 00:00:00,,\n"),
    );
    p.ok(&["seed"]);
    let out = p.mozt(&["run", "--select", "event_sync"]);
    out.assert_code(1);
    assert!(out.stdout.contains("u4: name is null"), "{}", out.stdout);
    p.write(
        "seeds/events.csv",
        &seed("e1,u1,signup,2024-01-01 10:00:00,free,\ne1,u5,signup,2024-01-07 00:00:00,,\n"),
    );
    p.ok(&["seed"]);
    let out = p.mozt(&["run", "--select", "event_sync"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("unique_key must name one row") && out.stdout.contains("e1 (2 rows)"),
        "{}",
        out.stdout
    );
    p.write(
        "models/event_sync.sql",
        "{{ config(materialized='braze_event_sync', unique_key='event_id') }}\n\
         select 'e9' as event_id, 'big_user' as external_id, 'note' as name, repeat('x', 1100000) as text\n",
    );
    let out = p.mozt(&["run", "--select", "event_sync"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("big_user (") && out.stdout.contains("1000000 bytes per row"),
        "{}",
        out.stdout
    );
    assert_eq!(sync_rows(&p, "event_sync", "EXTERNAL_ID").len(), count);

    // Another unique_key cannot be compared with the keys recorded: an error, not a resend.
    p.write(
        "models/event_sync.sql",
        "{{ config(materialized='braze_event_sync', unique_key=['event_id', 'external_id']) }}\n\
         select 'e9' as event_id, 'u9' as external_id, 'note' as name\n",
    );
    let out = p.mozt(&["run", "--select", "event_sync"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("the unique_key of model event_sync changed"),
        "{}",
        out.stdout
    );
    assert_eq!(sync_rows(&p, "event_sync", "EXTERNAL_ID").len(), count);
}

fn purchases(db: Db) {
    let p = project(db, "bz_purchases");
    p.write(
        "models/purchase_sync.sql",
        "{{ config(materialized='braze_purchase_sync', unique_key='id') }}\n\
         select id, external_id, product_id, currency, price, quantity, ts as time, coupon from {{ ref('purchases') }}\n",
    );
    let seed = |rows: &str| format!("id,external_id,product_id,currency,price,quantity,ts,coupon\n{rows}");
    let run1 = "p1,u1,sku1,USD,9.99,2,2024-01-01 10:00:00,SPRING\np2,u2,sku2,EUR,20.5,,2024-01-03 00:00:00,\n";
    p.write("seeds/purchases.csv", &seed(run1));
    p.ok(&["build"]);
    let rows = sync_rows(&p, "purchase_sync", "EXTERNAL_ID");
    assert_eq!(
        by_id(&new_rows(&rows, 0)),
        vec![
            (
                "u1",
                &json!({"product_id": "sku1", "currency": "USD", "price": 9.99, "quantity": 2,
                        "time": "2024-01-01T10:00:00.000Z", "properties": {"coupon": "SPRING"}})
            ),
            (
                "u2",
                &json!({"product_id": "sku2", "currency": "EUR", "price": 20.5, "time": "2024-01-03T00:00:00.000Z"})
            ),
        ]
    );

    // Run 2: one new purchase.
    let run2 = format!("{run1}p3,u1,sku3,USD,5.25,1,2024-01-04 00:00:00,\n");
    p.write("seeds/purchases.csv", &seed(&run2));
    p.ok(&["build"]);
    let rows = sync_rows(&p, "purchase_sync", "EXTERNAL_ID");
    assert_eq!(
        by_id(&new_rows(&rows, 2)),
        vec![(
            "u1",
            &json!({"product_id": "sku3", "currency": "USD", "price": 5.25, "quantity": 1, "time": "2024-01-04T00:00:00.000Z"})
        )]
    );

    // Run 3: nothing new, nothing sent.
    p.ok(&["build"]);
    assert_eq!(sync_rows(&p, "purchase_sync", "EXTERNAL_ID").len(), 3);

    // Braze's rules: a three-letter currency, a quantity from 1 to 100.
    p.write(
        "seeds/purchases.csv",
        &seed(&format!(
            "{run2}p4,u7,sku4,DOLLARS,1.5,1,2024-01-05 00:00:00,\np5,u8,sku4,USD,1.5,0,2024-01-05 00:00:00,\n"
        )),
    );
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("u7: currency is not a three-letter ISO 4217 code")
            && out.stdout.contains("u8: quantity is not between 1 and 100"),
        "{}",
        out.stdout
    );
    assert_eq!(sync_rows(&p, "purchase_sync", "EXTERNAL_ID").len(), 3);
}

fn user_deletes(db: Db) {
    let p = project(db, "bz_deletes");
    p.write(
        "models/delete_sync.sql",
        "{{ config(materialized='braze_user_delete_sync') }}\nselect external_id from {{ ref('gone') }}\n",
    );
    p.write("seeds/gone.csv", "external_id\nu1\nu2\n");
    p.ok(&["build"]);
    let rows = sync_rows(&p, "delete_sync", "EXTERNAL_ID");
    let ids: Vec<String> = new_rows(&rows, 0).into_iter().map(|r| r.id).collect();
    assert_eq!(ids, vec!["u1", "u2"]);
    assert!(rows.iter().all(|r| r.payload.is_null()));
    // Identifiers only: no PAYLOAD column.
    assert_eq!(columns(&p, "delete_sync"), vec!["EXTERNAL_ID", "UPDATED_AT"]);

    // Run 2: u3 is new; u2 was sent already.
    p.write("seeds/gone.csv", "external_id\nu2\nu3\n");
    p.ok(&["build"]);
    let rows = sync_rows(&p, "delete_sync", "EXTERNAL_ID");
    let new: Vec<String> = new_rows(&rows, 2).into_iter().map(|r| r.id).collect();
    assert_eq!(new, vec!["u3"]);

    // Run 3: everyone was sent (a user listed twice is still one delete).
    p.write("seeds/gone.csv", "external_id\nu1\nu3\nu3\n");
    p.ok(&["build"]);
    assert_eq!(sync_rows(&p, "delete_sync", "EXTERNAL_ID").len(), 3);

    // Other columns have no place in a delete.
    p.write(
        "models/delete_sync.sql",
        "{{ config(materialized='braze_user_delete_sync') }}\nselect external_id, 'x' as reason from {{ ref('gone') }}\n",
    );
    let out = p.mozt(&["run"]);
    out.assert_code(1);
    assert!(out.stdout.contains("must select only external_id"), "{}", out.stdout);
}

fn catalog(db: Db) {
    let p = project(db, "bz_catalog");
    p.write(
        "models/catalog_sync.sql",
        "{{ config(materialized='braze_catalog_sync') }}\nselect id, title, price, in_stock from {{ ref('items') }}\n",
    );
    let seed = |rows: &str| format!("id,title,price,in_stock\n{rows}");
    p.write("seeds/items.csv", &seed("i1,Shirt,20.5,true\ni2,Hat,10.5,false\n"));
    p.ok(&["build"]);
    let rows = sync_rows(&p, "catalog_sync", "ID");
    let run1 = new_rows(&rows, 0);
    let hat = json!({"title": "Hat", "price": 10.5, "in_stock": false});
    assert_eq!(
        by_id(&run1),
        vec![
            ("i1", &json!({"title": "Shirt", "price": 20.5, "in_stock": true})),
            ("i2", &hat)
        ]
    );
    assert!(run1.iter().all(|r| r.deleted == Some(false)));
    assert_eq!(
        columns(&p, "catalog_sync"),
        vec!["DELETED", "ID", "PAYLOAD", "UPDATED_AT"]
    );

    // Run 2: i1's price changes, i2 disappears, i3 is new (no price yet).
    p.write("seeds/items.csv", &seed("i1,Shirt,25.5,true\ni3,Socks,,true\n"));
    p.ok(&["build"]);
    let rows = sync_rows(&p, "catalog_sync", "ID");
    let run2: Vec<(String, Value, Option<bool>)> = new_rows(&rows, 2)
        .into_iter()
        .map(|r| (r.id, r.payload, r.deleted))
        .collect();
    assert_eq!(
        run2,
        vec![
            ("i1".to_string(), json!({"price": 25.5}), Some(false)),
            ("i2".to_string(), json!({}), Some(true)),
            (
                "i3".to_string(),
                json!({"title": "Socks", "in_stock": true}),
                Some(false)
            ),
        ]
    );

    // Run 3: i2 is back, whole; the others are unchanged.
    p.write(
        "seeds/items.csv",
        &seed("i1,Shirt,25.5,true\ni2,Hat,10.5,false\ni3,Socks,,true\n"),
    );
    p.ok(&["build"]);
    let rows = sync_rows(&p, "catalog_sync", "ID");
    let run3 = new_rows(&rows, 5);
    assert_eq!(by_id(&run3), vec![("i2", &hat)]);
    assert_eq!(run3[0].deleted, Some(false));

    // A duplicate id and a payload over 1 MB fail the model and send nothing.
    p.write("seeds/items.csv", &seed("i1,Shirt,25.5,true\ni1,Hat,10.5,false\n"));
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("one row per item") && out.stdout.contains("i1 (2 rows)"),
        "{}",
        out.stdout
    );
    p.write(
        "models/catalog_sync.sql",
        "{{ config(materialized='braze_catalog_sync') }}\nselect 'i_big' as id, repeat('x', 1100000) as description\n",
    );
    let out = p.mozt(&["run", "--select", "catalog_sync"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("i_big (") && out.stdout.contains("bytes per row"),
        "{}",
        out.stdout
    );
    assert_eq!(sync_rows(&p, "catalog_sync", "ID").len(), 6);
}

/// Column names with a double quote or a backslash: the keys are written into SQL string
/// literals, which Snowflake reads with backslash escapes; the payload is the same valid JSON
/// on both warehouses.
fn odd_column_names(db: Db) {
    let p = project(db, "bz_odd_names");
    p.write(
        "models/odd_sync.sql",
        "{{ config(materialized='braze_user_sync') }}\n\
         select 'u1' as external_id, 1 as \"say \"\"hi\"\"\", 2 as \"back\\slash\"\n",
    );
    p.ok(&["run"]);
    let rows = sync_rows(&p, "odd_sync", "EXTERNAL_ID");
    assert_eq!(by_id(&rows), vec![("u1", &json!({"say \"hi\"": 1, "back\\slash": 2}))]);
}

#[test]
fn odd_column_names_on_duckdb() {
    odd_column_names(Db::DuckDb);
}

#[test]
fn odd_column_names_on_snowflake() {
    odd_column_names(Db::Snowflake);
}

#[test]
fn events_on_duckdb() {
    events(Db::DuckDb);
}

#[test]
fn events_on_snowflake() {
    events(Db::Snowflake);
}

#[test]
fn purchases_on_duckdb() {
    purchases(Db::DuckDb);
}

#[test]
fn purchases_on_snowflake() {
    purchases(Db::Snowflake);
}

#[test]
fn user_deletes_on_duckdb() {
    user_deletes(Db::DuckDb);
}

#[test]
fn user_deletes_on_snowflake() {
    user_deletes(Db::Snowflake);
}

#[test]
fn catalog_on_duckdb() {
    catalog(Db::DuckDb);
}

#[test]
fn catalog_on_snowflake() {
    catalog(Db::Snowflake);
}
