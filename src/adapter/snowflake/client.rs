//! A small client of Snowflake's HTTP protocol (the one Snowflake's own drivers speak):
//!
//! - `POST /session/v1/login-request`: account, user, password or JWT, role, warehouse,
//!   database, schema and session parameters in; a session token out.
//! - `POST /queries/v1/query-request` with `Authorization: Snowflake Token="..."`: a statement
//!   in; a result (`rowtype`, then a JSON `rowset` or Arrow `rowsetBase64`, and `chunks` to fetch
//!   for large results) out. A statement still running after the server's wait comes back with
//!   code 333333 or 333334 and a `getResultUrl`, polled with GET until it finishes.
//! - `POST /queries/v1/abort-request` to cancel a running statement, and
//!   `POST /session?delete=true` to close the session.
//!
//! The base URL is configurable (default `https://<account>.snowflakecomputing.com`) so tests
//! can point it at a local emulator. Tokens, passwords and keys never appear in errors or logs.

use base64::Engine;
use serde_json::{Map, Value, json};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::auth::Credentials;
use super::decode::{self, Column};
use crate::error::{Error, Result};

/// Snowflake's "statement still running" codes: the result is to be fetched from getResultUrl.
pub const QUERY_IN_PROGRESS: &str = "333333";
pub const QUERY_IN_PROGRESS_ASYNC: &str = "333334";
/// The session token expired: log in again and retry.
pub const SESSION_EXPIRED: &str = "390112";

/// Everything needed to open a session (no secrets: those are in `Credentials`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://<account>.snowflakecomputing.com`, or a local emulator's address.
    pub base_url: String,
    pub account: String,
    pub user: String,
    pub role: Option<String>,
    pub warehouse: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
    /// Sent at login (QUERY_TAG, TIMEZONE, ...).
    pub session_parameters: Map<String, Value>,
    pub connect_timeout: Duration,
    /// How long one HTTP request may wait for an answer (the server itself answers a running
    /// statement after about 45 s with an in-progress code).
    pub read_timeout: Duration,
    /// Give up polling a running statement after this long (None: wait as long as it runs).
    pub query_timeout: Option<Duration>,
    /// First and longest pause between polls of a running statement.
    pub poll_initial: Duration,
    pub poll_max: Duration,
}

impl Settings {
    pub fn new(base_url: impl Into<String>, account: impl Into<String>, user: impl Into<String>) -> Settings {
        Settings {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            account: account.into(),
            user: user.into(),
            role: None,
            warehouse: None,
            database: None,
            schema: None,
            session_parameters: Map::new(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(300),
            query_timeout: None,
            poll_initial: Duration::from_millis(50),
            poll_max: Duration::from_secs(2),
        }
    }
}

/// A statement's result, decoded.
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    pub query_id: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

/// Statements running now, in every session of the process, so that Ctrl-C can abort them on
/// the server whatever the worker threads are blocked on.
static IN_FLIGHT: Mutex<Vec<InFlight>> = Mutex::new(vec![]);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

struct InFlight {
    id: u64,
    base_url: String,
    token: String,
    sql: String,
    request_id: String,
    settings: Arc<Settings>,
}

/// Removes its statement from IN_FLIGHT when the statement is over (or its thread unwinds).
struct Running(u64);

impl Running {
    fn start(session: &Session, sql: &str, request_id: &str) -> Running {
        let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut list) = IN_FLIGHT.lock() {
            list.push(InFlight {
                id,
                base_url: session.settings.base_url.clone(),
                token: session.token.clone(),
                sql: sql.to_string(),
                request_id: request_id.to_string(),
                settings: session.settings.clone(),
            });
        }
        Running(id)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut list) = IN_FLIGHT.lock() {
            list.retain(|f| f.id != self.0);
        }
    }
}

/// Abort every statement running now on the server (best effort); how many there were.
pub fn abort_running() -> usize {
    let running: Vec<(String, String, String, String, Arc<Settings>)> = match IN_FLIGHT.lock() {
        Ok(list) => list
            .iter()
            .map(|f| {
                (
                    f.base_url.clone(),
                    f.token.clone(),
                    f.sql.clone(),
                    f.request_id.clone(),
                    f.settings.clone(),
                )
            })
            .collect(),
        Err(_) => vec![],
    };
    for (base, token, sql, request_id, settings) in &running {
        let mut quick = (**settings).clone();
        quick.read_timeout = Duration::from_secs(10);
        abort_request(&agent(&quick), base, token, sql, request_id);
    }
    running.len()
}

pub fn cancel_requested() -> bool {
    crate::cancel::requested()
}

/// Ctrl-C (crate::cancel) aborts the statements running on Snowflake: registered once per
/// process, for every session.
pub fn register_abort_on_cancel() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        crate::cancel::install();
        let hook = crate::cancel::register(|| {
            let n = abort_running();
            eprintln!(
                "aborted {n} statement{} running on Snowflake",
                if n == 1 { "" } else { "s" }
            );
        });
        // For the life of the process.
        std::mem::forget(hook);
    });
}

fn abort_request(agent: &ureq::Agent, base: &str, token: &str, sql: &str, request_id: &str) {
    let url = format!("{base}/queries/v1/abort-request?requestId={}", self::request_id());
    let headers = vec![
        ("Authorization".to_string(), format!("Snowflake Token=\"{token}\"")),
        ("Accept".to_string(), "application/snowflake".to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    let body = json!({"sqlText": sql, "requestId": request_id});
    let _ = send(agent, "POST", &url, &headers, Some(&body), base);
}

/// An open Snowflake session.
pub struct Session {
    agent: ureq::Agent,
    settings: Arc<Settings>,
    credentials: Arc<Credentials>,
    token: String,
    sequence: u64,
    /// Set after the session was opened again (token expiry): session state such as `use
    /// warehouse` must be applied again.
    pub renewed: bool,
    closed: bool,
}

/// A Snowflake error reply (`success: false`).
fn server_error(what: &str, body: &Value) -> Error {
    let code = body.get("code").and_then(Value::as_str).unwrap_or("");
    let data = body.get("data").unwrap_or(&Value::Null);
    let sql_state = data.get("sqlState").and_then(Value::as_str).unwrap_or("");
    let mut message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .trim();
    // Some servers repeat the code in the message ("002003 (42S02): ..."): say it once.
    if !code.is_empty() {
        let prefix = format!("{code} ({sql_state}): ");
        message = message.strip_prefix(prefix.as_str()).unwrap_or(message).trim();
    }
    let query_id = data.get("queryId").and_then(Value::as_str).unwrap_or("");
    let mut text = if code.is_empty() {
        format!("{what}: {message}")
    } else {
        format!("{what}: Snowflake error {code}")
    };
    if !sql_state.is_empty() {
        text.push_str(&format!(" (SQL state {sql_state})"));
    }
    if !code.is_empty() {
        text.push_str(&format!(": {message}"));
    }
    if !query_id.is_empty() {
        text.push_str(&format!("\n(query id {query_id})"));
    }
    Error::runtime(text)
}

fn code_of(body: &Value) -> &str {
    body.get("code").and_then(Value::as_str).unwrap_or("")
}

fn request_id() -> String {
    let mut b = [0u8; 16];
    rsa::rand_core::RngCore::fill_bytes(&mut rsa::rand_core::OsRng, &mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::hash::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What an HTTP exchange gave: a status and a body.
struct Reply {
    status: u16,
    body: Vec<u8>,
}

fn read_body(resp: ureq::Response) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![];
    resp.into_reader().read_to_end(&mut buf)?;
    // Result chunks may be stored gzipped without a Content-Encoding header.
    if buf.starts_with(&[0x1f, 0x8b]) {
        let mut out = vec![];
        flate2::read::GzDecoder::new(&buf[..]).read_to_end(&mut out)?;
        return Ok(out);
    }
    Ok(buf)
}

fn agent(settings: &Settings) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(settings.connect_timeout)
        .timeout_read(settings.read_timeout)
        .user_agent(concat!("mozt/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Send a request; transport failures and 429/502/503/504 are tried again a few times.
fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&Value>,
    base_url: &str,
) -> Result<Reply> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut req = agent.request(method, url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let retryable = match &result {
            Ok(_) => false,
            Err(ureq::Error::Status(code, _)) => matches!(code, 429 | 502 | 503 | 504),
            Err(ureq::Error::Transport(_)) => true,
        };
        if retryable && attempt < 4 && !cancel_requested() {
            std::thread::sleep(Duration::from_millis(250 * (1 << attempt)));
            continue;
        }
        return match result {
            Ok(resp) | Err(ureq::Error::Status(_, resp)) => {
                let status = resp.status();
                let body = read_body(resp)
                    .map_err(|e| Error::runtime(format!("reading Snowflake's answer from {base_url} failed: {e}")))?;
                Ok(Reply { status, body })
            }
            Err(ureq::Error::Transport(t)) => Err(Error::runtime(format!(
                "cannot reach Snowflake at {base_url}: {}",
                transport_text(&t)
            ))
            .help("check the account (or base_url/host/port) in the target, and the network")),
        };
    }
}

/// A transport error without the URL's query string (which holds nothing secret, but is noise).
fn transport_text(t: &ureq::Transport) -> String {
    let mut s = t.kind().to_string();
    if let Some(m) = t.message() {
        s.push_str(": ");
        s.push_str(m);
    }
    s
}

fn parse_json(reply: &Reply, what: &str, base_url: &str) -> Result<Value> {
    serde_json::from_slice(&reply.body).map_err(|_| {
        let preview: String = String::from_utf8_lossy(&reply.body).chars().take(200).collect();
        Error::runtime(format!(
            "{what}: {base_url} answered HTTP {} with something that is not Snowflake's JSON: {preview}",
            reply.status
        ))
    })
}

impl Session {
    /// Log in and open a session.
    pub fn login(settings: Arc<Settings>, credentials: Arc<Credentials>) -> Result<Session> {
        let agent = agent(&settings);
        let token = login_token(&agent, &settings, &credentials)?;
        Ok(Session {
            agent,
            settings,
            credentials,
            token,
            sequence: 0,
            renewed: false,
            closed: false,
        })
    }

    fn auth_headers(&self) -> Vec<(String, String)> {
        vec![
            ("Authorization".into(), format!("Snowflake Token=\"{}\"", self.token)),
            ("Accept".into(), "application/snowflake".into()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    /// Run one statement and read its whole result (every chunk).
    pub fn query(&mut self, sql: &str) -> Result<QueryResult> {
        let mut renewed_once = false;
        loop {
            match self.query_once(sql) {
                Err(QueryError::Expired) if !renewed_once => {
                    renewed_once = true;
                    self.token = login_token(&self.agent, &self.settings, &self.credentials)?;
                    self.renewed = true;
                }
                Err(QueryError::Expired) => {
                    return Err(Error::runtime(
                        "the Snowflake session expired and logging in again did not help",
                    ));
                }
                Err(QueryError::Failed(e)) => return Err(e),
                Ok(r) => return Ok(r),
            }
        }
    }

    fn query_once(&mut self, sql: &str) -> std::result::Result<QueryResult, QueryError> {
        let base = self.settings.base_url.clone();
        self.sequence += 1;
        let rid = request_id();
        let url = format!("{base}/queries/v1/query-request?requestId={rid}");
        crate::cancel::check()?;
        let _running = Running::start(self, sql, &rid);
        let body = json!({
            "sqlText": sql,
            "asyncExec": false,
            "sequenceId": self.sequence,
            "querySubmissionTime": now_millis() as u64,
            "isInternal": false,
        });
        let reply = send(&self.agent, "POST", &url, &self.auth_headers(), Some(&body), &base)?;
        let mut value = self.check(reply, "the statement failed")?;
        // Poll while the statement runs.
        let started = Instant::now();
        let mut pause = self.settings.poll_initial;
        while matches!(code_of(&value), QUERY_IN_PROGRESS | QUERY_IN_PROGRESS_ASYNC) {
            if cancel_requested() {
                self.abort(sql, &rid);
                return Err(Error::runtime("cancelled: the running statement was aborted").into());
            }
            if let Some(limit) = self.settings.query_timeout
                && started.elapsed() > limit
            {
                self.abort(sql, &rid);
                return Err(Error::runtime(format!(
                    "the statement ran longer than query_timeout ({}s) and was aborted",
                    limit.as_secs()
                ))
                .into());
            }
            let Some(path) = value
                .pointer("/data/getResultUrl")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return Err(Error::runtime("Snowflake said the statement is running but gave no result URL").into());
            };
            std::thread::sleep(pause);
            pause = (pause * 2).min(self.settings.poll_max);
            let url = if path.starts_with("http://") || path.starts_with("https://") {
                path
            } else {
                format!("{base}{path}")
            };
            let reply = send(&self.agent, "GET", &url, &self.auth_headers(), None, &base)?;
            value = self.check(reply, "the statement failed")?;
        }
        let data = value.get("data").cloned().unwrap_or(Value::Null);
        read_result(&self.agent, &data, &base).map_err(QueryError::Failed)
    }

    /// Turn a reply into its JSON, or the error it carries.
    fn check(&self, reply: Reply, what: &str) -> std::result::Result<Value, QueryError> {
        let base = &self.settings.base_url;
        let value = parse_json(&reply, what, base)?;
        let code = code_of(&value);
        if code == SESSION_EXPIRED || (reply.status == 401 && code != "390104" && code != "390103") {
            return Err(QueryError::Expired);
        }
        if matches!(code, QUERY_IN_PROGRESS | QUERY_IN_PROGRESS_ASYNC) {
            return Ok(value);
        }
        if value.get("success").and_then(Value::as_bool) != Some(true) {
            return Err(server_error(what, &value).into());
        }
        if reply.status >= 400 {
            return Err(Error::runtime(format!("{what}: HTTP {} from {base}", reply.status)).into());
        }
        Ok(value)
    }

    /// Ask the server to stop a running statement (best effort).
    pub fn abort(&self, sql: &str, request_id: &str) {
        abort_request(&self.agent, &self.settings.base_url, &self.token, sql, request_id);
    }

    /// Close the session on the server (best effort; also done on drop).
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        let base = &self.settings.base_url;
        let url = format!("{base}/session?delete=true&request_id={}", request_id());
        let _ = send(&self.agent, "POST", &url, &self.auth_headers(), Some(&json!({})), base);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close();
    }
}

enum QueryError {
    Expired,
    Failed(Error),
}

impl From<Error> for QueryError {
    fn from(e: Error) -> Self {
        QueryError::Failed(e)
    }
}

/// Log in; the session token.
fn login_token(agent: &ureq::Agent, s: &Settings, credentials: &Credentials) -> Result<String> {
    let base = &s.base_url;
    let mut url = format!("{base}/session/v1/login-request?request_id={}", request_id());
    for (key, value) in [
        ("databaseName", &s.database),
        ("schemaName", &s.schema),
        ("warehouse", &s.warehouse),
        ("roleName", &s.role),
    ] {
        if let Some(v) = value {
            url.push_str(&format!("&{key}={}", encode(v)));
        }
    }
    let mut data = json!({
        "CLIENT_APP_ID": "mozt",
        "CLIENT_APP_VERSION": env!("CARGO_PKG_VERSION"),
        "ACCOUNT_NAME": super::auth::jwt_account(&s.account),
        "LOGIN_NAME": s.user,
        "CLIENT_ENVIRONMENT": {"APPLICATION": "mozt", "OS": std::env::consts::OS},
        "SESSION_PARAMETERS": Value::Object(s.session_parameters.clone()),
    });
    match credentials {
        Credentials::Password(p) => data["PASSWORD"] = Value::String(p.clone()),
        Credentials::KeyPair(k) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            data["AUTHENTICATOR"] = Value::String("SNOWFLAKE_JWT".into());
            data["TOKEN"] = Value::String(k.jwt(&s.account, &s.user, now));
        }
    }
    let headers = [
        ("Accept".to_string(), "application/json".to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    let reply = send(agent, "POST", &url, &headers, Some(&json!({ "data": data })), base)?;
    if matches!(reply.status, 403 | 404) && serde_json::from_slice::<Value>(&reply.body).is_err() {
        return Err(Error::runtime(format!(
            "no Snowflake account answers at {base} (HTTP {})",
            reply.status
        ))
        .help("check `account` in the target (e.g. xy12345.us-east-1 or myorg-myaccount)"));
    }
    let value = parse_json(&reply, "login failed", base)?;
    if value.get("success").and_then(Value::as_bool) != Some(true) {
        let code = code_of(&value).to_string();
        let help = match code.as_str() {
            "390100" => Some("check user and password".to_string()),
            "390144" | "394304" | "390146" => Some(match credentials {
                Credentials::KeyPair(k) => format!(
                    "check that the user's RSA_PUBLIC_KEY (DESCRIBE USER shows RSA_PUBLIC_KEY_FP) is the public key of this private key ({}), and that account and user are right",
                    k.fingerprint()
                ),
                Credentials::Password(_) => "check account and user".into(),
            }),
            "390189" | "390186" => Some("check `role`: the user must be granted it".into()),
            "390201" | "390202" => Some(
                "check `database`, `schema` and `warehouse`: they must exist and the role must be able to use them"
                    .into(),
            ),
            _ => None,
        };
        let err = server_error("login failed", &value);
        return Err(match help {
            Some(h) => err.help(h),
            None => err,
        });
    }
    value
        .pointer("/data/token")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::runtime(format!("login failed: {base} answered without a session token")))
}

/// Decode a finished statement's `data`: the first rowset, then every chunk in order.
fn read_result(agent: &ureq::Agent, data: &Value, base: &str) -> Result<QueryResult> {
    let columns = decode::columns(data.get("rowtype").unwrap_or(&Value::Null));
    let format = data
        .get("queryResultFormat")
        .and_then(Value::as_str)
        .unwrap_or("json")
        .to_ascii_lowercase();
    let mut rows = if let Some(b64) = data
        .get("rowsetBase64")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| Error::runtime("cannot read a Snowflake result: rowsetBase64 is not base64"))?;
        decode::arrow_rows(&columns, &bytes)?
    } else if let Some(rowset) = data.get("rowset").filter(|r| !r.is_null()) {
        decode::json_rows(&columns, rowset)?
    } else {
        vec![]
    };
    if let Some(chunks) = data.get("chunks").and_then(Value::as_array) {
        let headers = chunk_headers(data);
        for (i, chunk) in chunks.iter().enumerate() {
            let Some(url) = chunk.get("url").and_then(Value::as_str) else {
                return Err(Error::runtime(format!("result chunk {i} has no URL")));
            };
            let reply = send(agent, "GET", url, &headers, None, base)?;
            if reply.status >= 400 {
                return Err(Error::runtime(format!(
                    "downloading result chunk {} of {} failed: HTTP {}",
                    i + 1,
                    chunks.len(),
                    reply.status
                )));
            }
            let mut part = if format == "arrow" {
                decode::arrow_rows(&columns, &reply.body)?
            } else {
                decode::json_chunk(&columns, &reply.body)?
            };
            if let Some(n) = chunk.get("rowCount").and_then(Value::as_u64)
                && n as usize != part.len()
            {
                return Err(Error::runtime(format!(
                    "result chunk {} has {} rows where Snowflake announced {n}",
                    i + 1,
                    part.len()
                )));
            }
            rows.append(&mut part);
        }
    }
    Ok(QueryResult {
        query_id: data.get("queryId").and_then(Value::as_str).unwrap_or("").to_string(),
        columns,
        rows,
    })
}

/// Headers for chunk downloads: the ones the result lists, or the encryption key header pair.
fn chunk_headers(data: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![];
    if let Some(h) = data.get("chunkHeaders").and_then(Value::as_object) {
        for (k, v) in h {
            if let Some(v) = v.as_str() {
                out.push((k.clone(), v.to_string()));
            }
        }
    } else if let Some(key) = data.get("qrmk").and_then(Value::as_str) {
        out.push((
            "x-amz-server-side-encryption-customer-algorithm".into(),
            "AES256".into(),
        ));
        out.push(("x-amz-server-side-encryption-customer-key".into(), key.to_string()));
    }
    out
}

#[cfg(test)]
mod tests;
