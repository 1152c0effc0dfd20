//! The parts of the protocol the emulator cannot produce (statements still running, results in
//! chunks, expired sessions), against a tiny scripted HTTP server on 127.0.0.1.

use super::*;
use crate::adapter::snowflake::stub::{Seen, Stub};
use std::io::Write;
use std::net::TcpListener;
use std::sync::Mutex;

fn json_bytes(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn login_ok(token: &str) -> (u16, Vec<u8>) {
    (
        200,
        json_bytes(json!({"success": true, "data": {"token": token, "masterToken": "m"}})),
    )
}

fn session(stub: &Stub) -> Session {
    let mut s = Settings::new(&stub.url, "xy12345.us-east-1", "mozt");
    s.database = Some("DB".into());
    s.poll_initial = Duration::from_millis(1);
    s.poll_max = Duration::from_millis(5);
    Session::login(Arc::new(s), Arc::new(Credentials::Password("s3cret-pw".into()))).expect("login")
}

fn rowtype() -> Value {
    json!([{"name": "ID", "type": "fixed", "scale": 0}, {"name": "NAME", "type": "text"}])
}

#[test]
fn polls_a_running_statement_until_it_finishes() {
    let polls = Arc::new(Mutex::new(0));
    let p = polls.clone();
    let stub = Stub::start(Box::new(move |r: &Seen| {
        match (r.method.as_str(), r.path.split('?').next().unwrap_or("")) {
            ("POST", "/session/v1/login-request") => login_ok("tok-1"),
            ("POST", "/queries/v1/query-request") => (
                200,
                json_bytes(json!({"success": true, "code": QUERY_IN_PROGRESS_ASYNC,
                    "data": {"queryId": "q1", "getResultUrl": "/queries/q1/result"}})),
            ),
            ("GET", "/queries/q1/result") => {
                let mut n = p.lock().expect("lock");
                *n += 1;
                if *n < 3 {
                    (
                        200,
                        json_bytes(json!({"success": true, "code": QUERY_IN_PROGRESS,
                        "data": {"queryId": "q1", "getResultUrl": "/queries/q1/result"}})),
                    )
                } else {
                    (
                        200,
                        json_bytes(json!({"success": true, "data": {"queryId": "q1",
                        "rowtype": rowtype(), "queryResultFormat": "json", "rowset": [["7", "done"]]}})),
                    )
                }
            }
            _ => (200, json_bytes(json!({"success": true}))),
        }
    }));
    let mut s = session(&stub);
    let result = s.query("call slow_procedure()").expect("query");
    assert_eq!(result.query_id, "q1");
    assert_eq!(result.rows, vec![vec![json!(7), json!("done")]]);
    assert_eq!(*polls.lock().expect("lock"), 3);
    let seen = stub.seen();
    let gets: Vec<&Seen> = seen.iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), 3);
    assert!(
        gets.iter()
            .all(|r| r.header("Authorization") == Some("Snowflake Token=\"tok-1\""))
    );
    let q = seen
        .iter()
        .find(|r| r.path.starts_with("/queries/v1/query-request"))
        .expect("query sent");
    assert!(q.path.contains("requestId="));
    let body: Value = serde_json::from_str(&q.body).expect("json body");
    assert_eq!(body["sqlText"], "call slow_procedure()");
    // The login carried the account without its region, the user and the password.
    let login = &seen[0];
    let body: Value = serde_json::from_str(&login.body).expect("json body");
    assert_eq!(body["data"]["ACCOUNT_NAME"], "XY12345");
    assert_eq!(body["data"]["LOGIN_NAME"], "mozt");
    assert_eq!(body["data"]["PASSWORD"], "s3cret-pw");
    assert!(login.path.contains("databaseName=DB"));
    drop(s);
    // Dropping the session closes it on the server.
    assert!(stub.seen().iter().any(|r| r.path.starts_with("/session?delete=true")));
}

#[test]
fn reads_json_chunks_with_their_headers_gzipped_or_not() {
    let stub_url = Arc::new(Mutex::new(String::new()));
    let u = stub_url.clone();
    let stub = Stub::start(Box::new(move |r: &Seen| {
        let base = u.lock().expect("lock").clone();
        match (r.method.as_str(), r.path.split('?').next().unwrap_or("")) {
            ("POST", "/session/v1/login-request") => login_ok("tok"),
            ("POST", "/queries/v1/query-request") => (
                200,
                json_bytes(json!({"success": true, "data": {
                    "queryId": "q2", "rowtype": rowtype(), "queryResultFormat": "json",
                    "rowset": [["1", "a"]],
                    "chunks": [
                        {"url": format!("{base}/chunks/0"), "rowCount": 2},
                        {"url": format!("{base}/chunks/1"), "rowCount": 1}
                    ],
                    "chunkHeaders": {"x-custom-chunk": "abc"}
                }})),
            ),
            ("GET", "/chunks/0") => (200, b"[\"2\", \"b\"],\n[\"3\", null]".to_vec()),
            ("GET", "/chunks/1") => {
                let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
                gz.write_all(b"[\"4\", \"d\"]").expect("gzip");
                (200, gz.finish().expect("gzip"))
            }
            _ => (200, json_bytes(json!({"success": true}))),
        }
    }));
    *stub_url.lock().expect("lock") = stub.url.clone();
    let mut s = session(&stub);
    let result = s.query("select * from big").expect("query");
    assert_eq!(
        result.rows,
        vec![
            vec![json!(1), json!("a")],
            vec![json!(2), json!("b")],
            vec![json!(3), Value::Null],
            vec![json!(4), json!("d")],
        ]
    );
    let seen = stub.seen();
    let chunk_gets: Vec<&Seen> = seen.iter().filter(|r| r.path.starts_with("/chunks/")).collect();
    assert_eq!(chunk_gets.len(), 2);
    assert!(chunk_gets.iter().all(|r| r.header("x-custom-chunk") == Some("abc")));
}

#[test]
fn reads_arrow_chunks_with_the_result_key_header() {
    use arrow_array::{Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    let batch = |ids: Vec<i64>, names: Vec<&str>| {
        let schema = Schema::new(vec![
            Field::new("ID", DataType::Int64, false),
            Field::new("NAME", DataType::Utf8, false),
        ]);
        let b = RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(Int64Array::from(ids)), Arc::new(StringArray::from(names))],
        )
        .expect("batch");
        let mut buf = vec![];
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut buf, &b.schema()).expect("writer");
        w.write(&b).expect("write");
        w.finish().expect("finish");
        drop(w);
        buf
    };
    let first = base64::engine::general_purpose::STANDARD.encode(batch(vec![1], vec!["a"]));
    let chunk = batch(vec![2, 3], vec!["b", "c"]);
    let stub_url = Arc::new(Mutex::new(String::new()));
    let u = stub_url.clone();
    let stub = Stub::start(Box::new(move |r: &Seen| {
        let base = u.lock().expect("lock").clone();
        match (r.method.as_str(), r.path.split('?').next().unwrap_or("")) {
            ("POST", "/session/v1/login-request") => login_ok("tok"),
            ("POST", "/queries/v1/query-request") => (
                200,
                json_bytes(json!({"success": true, "data": {
                    "queryId": "q3", "rowtype": rowtype(), "queryResultFormat": "arrow",
                    "rowsetBase64": first,
                    "chunks": [{"url": format!("{base}/arrow/0?sig=x"), "rowCount": 2}],
                    "qrmk": "result-master-key"
                }})),
            ),
            ("GET", "/arrow/0") => (200, chunk.clone()),
            _ => (200, json_bytes(json!({"success": true}))),
        }
    }));
    *stub_url.lock().expect("lock") = stub.url.clone();
    let mut s = session(&stub);
    let result = s.query("select * from big").expect("query");
    assert_eq!(
        result.rows,
        vec![
            vec![json!(1), json!("a")],
            vec![json!(2), json!("b")],
            vec![json!(3), json!("c")]
        ]
    );
    let seen = stub.seen();
    let get = seen
        .iter()
        .find(|r| r.path.starts_with("/arrow/0"))
        .expect("chunk fetched");
    assert_eq!(
        get.header("x-amz-server-side-encryption-customer-key"),
        Some("result-master-key")
    );
    assert_eq!(
        get.header("x-amz-server-side-encryption-customer-algorithm"),
        Some("AES256")
    );
}

#[test]
fn errors_carry_code_state_and_message_and_no_secrets() {
    let stub = Stub::start(Box::new(|r: &Seen| match r.path.split('?').next().unwrap_or("") {
        "/session/v1/login-request" => login_ok("secret-token-value"),
        "/queries/v1/query-request" => (
            200,
            json_bytes(json!({"success": false, "code": "002003", "message":
                    "SQL compilation error:\nObject 'NOPE' does not exist or not authorized.",
                    "data": {"sqlState": "42S02", "queryId": "q4"}})),
        ),
        _ => (200, json_bytes(json!({"success": true}))),
    }));
    let mut s = session(&stub);
    let Err(e) = s.query("select * from nope") else {
        panic!("the statement must fail")
    };
    let msg = e.to_string();
    assert!(msg.contains("002003"), "{msg}");
    assert!(msg.contains("42S02"), "{msg}");
    assert!(msg.contains("does not exist or not authorized"), "{msg}");
    assert!(msg.contains("q4"), "{msg}");
    assert!(
        !msg.contains("secret-token-value") && !msg.contains("s3cret-pw"),
        "{msg}"
    );
}

#[test]
fn an_expired_session_logs_in_again_and_retries() {
    let logins = Arc::new(Mutex::new(0));
    let l = logins.clone();
    let stub = Stub::start(Box::new(move |r: &Seen| match r.path.split('?').next().unwrap_or("") {
        "/session/v1/login-request" => {
            let mut n = l.lock().expect("lock");
            *n += 1;
            login_ok(&format!("tok-{n}"))
        }
        "/queries/v1/query-request" if r.header("Authorization") == Some("Snowflake Token=\"tok-1\"") => (
            200,
            json_bytes(json!({"success": false, "code": SESSION_EXPIRED,
                    "message": "Authentication token has expired.  The user must authenticate again."})),
        ),
        "/queries/v1/query-request" => (
            200,
            json_bytes(json!({"success": true, "data": {"rowtype": rowtype(), "rowset": [["1", "x"]]}})),
        ),
        _ => (200, json_bytes(json!({"success": true}))),
    }));
    let mut s = session(&stub);
    let result = s.query("select 1").expect("retried after logging in again");
    assert_eq!(result.rows.len(), 1);
    assert!(s.renewed);
    assert_eq!(*logins.lock().expect("lock"), 2);
}

#[test]
fn a_refused_login_says_why_without_the_password() {
    let stub = Stub::start(Box::new(|_r: &Seen| {
        (
            200,
            json_bytes(json!({"success": false, "code": "390100",
                "message": "Incorrect username or password was specified.", "data": null})),
        )
    }));
    let s = Settings::new(&stub.url, "acct", "mozt");
    let Err(e) = Session::login(Arc::new(s), Arc::new(Credentials::Password("hunter2".into()))) else {
        panic!("login must fail")
    };
    let msg = format!("{e} {}", e.help.clone().unwrap_or_default());
    assert!(
        msg.contains("390100") && msg.contains("Incorrect username or password"),
        "{msg}"
    );
    assert!(msg.contains("check user and password"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[test]
fn nothing_listening_is_a_clear_error() {
    // A port that was free a moment ago.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut s = Settings::new(format!("http://127.0.0.1:{port}"), "acct", "mozt");
    s.connect_timeout = Duration::from_secs(2);
    let Err(e) = Session::login(Arc::new(s), Arc::new(Credentials::Password("pw".into()))) else {
        panic!("login must fail")
    };
    assert!(
        e.to_string().contains("cannot reach Snowflake at http://127.0.0.1:"),
        "{e}"
    );
}

#[test]
fn ctrl_c_aborts_the_statements_running_on_the_server() {
    let stub = Stub::start(Box::new(|r: &Seen| {
        match r.path.split('?').next().unwrap_or("") {
            "/session/v1/login-request" => login_ok("tok-abort"),
            "/queries/v1/query-request" => {
                // A long statement: the abort arrives while it runs.
                std::thread::sleep(Duration::from_millis(600));
                (
                    200,
                    json_bytes(json!({"success": true, "data": {"rowtype": rowtype(), "rowset": []}})),
                )
            }
            _ => (200, json_bytes(json!({"success": true}))),
        }
    }));
    let mut s = session(&stub);
    let worker = std::thread::spawn(move || s.query("select system$wait(60)").map(|r| r.rows.len()));
    std::thread::sleep(Duration::from_millis(200));
    assert!(abort_running() >= 1, "the running statement is known");
    assert_eq!(worker.join().expect("worker").expect("query"), 0);
    let seen = stub.seen();
    let query = seen
        .iter()
        .find(|r| r.path.starts_with("/queries/v1/query-request"))
        .expect("query");
    let request_id = query.path.split("requestId=").nth(1).expect("request id").to_string();
    let abort = seen
        .iter()
        .find(|r| r.path.starts_with("/queries/v1/abort-request"))
        .expect("an abort-request");
    let body: Value = serde_json::from_str(&abort.body).expect("json");
    assert_eq!(body["requestId"], request_id.as_str());
    assert_eq!(body["sqlText"], "select system$wait(60)");
    assert_eq!(abort.header("Authorization"), Some("Snowflake Token=\"tok-abort\""));
}
