//! A small W3C WebDriver client over `ureq` for the docs-site tests: it starts Debian's
//! `chromedriver` on a free port, opens a headless Chromium session, and offers the few
//! commands the tests use (navigate, find, click, type, read text, run a script, screenshot).
//! Both programs come from apt (`scripts/browser.sh`); when they are missing the test fails
//! and says how to install them.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key W3C WebDriver names an element reference with.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long a wait for the page polls before the test fails.
const WAIT: Duration = Duration::from_secs(20);

fn find_program(env_var: &str, names: &[&str]) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "{} not found (looked for {} on PATH and in ${env_var}): the docs-site tests drive a real \
         browser. Install Chromium and its driver with `scripts/browser.sh` (apt-get install chromium \
         chromium-driver), which scripts/test.sh runs.",
        names[0],
        names.join(", ")
    );
}

pub(crate) fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// chromedriver and one headless Chromium session; both end when this is dropped.
pub(crate) struct Browser {
    driver: Child,
    base: String,
    session: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Element(String);

impl Browser {
    pub(crate) fn start() -> Browser {
        let chrome = find_program("CHROME", &["chromium", "chromium-browser"]);
        let chromedriver = find_program("CHROMEDRIVER", &["chromedriver", "chromium-driver"]);
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
        };
        let started = Instant::now();
        loop {
            let ready = ureq::get(&format!("{}/status", browser.base))
                .call()
                .ok()
                .and_then(|r| r.into_json::<Value>().ok())
                .and_then(|v| v.pointer("/value/ready").and_then(Value::as_bool))
                .unwrap_or(false);
            if ready {
                break;
            }
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("chromedriver exited at start ({status})");
            }
            assert!(started.elapsed() < WAIT, "chromedriver did not answer on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome.to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1400,1000", "--hide-scrollbars", "--allow-file-access-from-files"],
            },
        }}});
        let v = browser.post("/session", caps);
        browser.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {v}"))
            .to_string();
        browser
    }

    fn url(&self, path: &str) -> String {
        if path == "/session" {
            format!("{}/session", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        }
    }

    fn answer(path: &str, r: Result<ureq::Response, ureq::Error>) -> Value {
        let resp = match r {
            Ok(resp) => resp,
            Err(ureq::Error::Status(code, resp)) => {
                let body = resp.into_string().unwrap_or_default();
                panic!("WebDriver {path}: HTTP {code}: {body}");
            }
            Err(e) => panic!("WebDriver {path}: {e}"),
        };
        let v: Value = resp.into_json().expect("WebDriver answers JSON");
        v.get("value").cloned().unwrap_or(Value::Null)
    }

    fn post(&self, path: &str, body: Value) -> Value {
        Self::answer(path, ureq::post(&self.url(path)).send_json(body))
    }

    fn get(&self, path: &str) -> Value {
        Self::answer(path, ureq::get(&self.url(path)).call())
    }

    /// Like `post`, but an error answer (no such element, ...) is None instead of a failure.
    fn try_post(&self, path: &str, body: Value) -> Option<Value> {
        ureq::post(&self.url(path))
            .send_json(body)
            .ok()
            .and_then(|r| r.into_json::<Value>().ok())
            .and_then(|v| v.get("value").cloned())
    }

    pub(crate) fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    pub(crate) fn current_url(&self) -> String {
        self.get("/url").as_str().unwrap_or_default().to_string()
    }

    pub(crate) fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self
            .try_post("/elements", json!({"using": "css selector", "value": css}))
            .unwrap_or(Value::Null);
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get(ELEMENT_KEY).and_then(Value::as_str))
                    .map(|s| Element(s.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Wait until `css` matches an element, and return the first.
    pub(crate) fn wait_for(&self, css: &str) -> Element {
        let started = Instant::now();
        loop {
            if let Some(e) = self.find_all(css).into_iter().next() {
                return e;
            }
            if started.elapsed() > WAIT {
                let text = self.text_of_page();
                panic!(
                    "no element matches `{css}` at {}; the page reads:\n{text}",
                    self.current_url()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until `check` holds (it is given the page's text), or fail with `what`.
    pub(crate) fn wait_until(&self, what: &str, check: impl Fn(&Browser) -> bool) {
        let started = Instant::now();
        while !check(self) {
            if started.elapsed() > WAIT {
                panic!(
                    "waited for {what} at {}; the page reads:\n{}",
                    self.current_url(),
                    self.text_of_page()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn click(&self, e: &Element) {
        self.post(&format!("/element/{}/click", e.0), json!({}));
    }

    /// Press the mouse at the element's centre, move it by (dx, dy), release it.
    pub(crate) fn drag(&self, e: &Element, dx: i64, dy: i64) {
        let mut origin = serde_json::Map::new();
        origin.insert(ELEMENT_KEY.to_string(), Value::String(e.0.clone()));
        self.post(
            "/actions",
            json!({"actions": [{
                "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                "actions": [
                    {"type": "pointerMove", "duration": 0, "origin": Value::Object(origin), "x": 0, "y": 0},
                    {"type": "pointerDown", "button": 0},
                    {"type": "pointerMove", "duration": 150, "origin": "pointer", "x": dx, "y": dy},
                    {"type": "pointerUp", "button": 0},
                ],
            }]}),
        );
        let _ = ureq::delete(&self.url("/actions")).call();
    }

    pub(crate) fn type_into(&self, e: &Element, text: &str) {
        self.post(&format!("/element/{}/value", e.0), json!({ "text": text }));
    }

    pub(crate) fn clear(&self, e: &Element) {
        self.post(&format!("/element/{}/clear", e.0), json!({}));
    }

    pub(crate) fn text(&self, e: &Element) -> String {
        self.get(&format!("/element/{}/text", e.0))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub(crate) fn attr(&self, e: &Element, name: &str) -> Option<String> {
        self.get(&format!("/element/{}/attribute/{name}", e.0))
            .as_str()
            .map(str::to_string)
    }

    /// Run a script in the page (`return ...;`) and give back its value.
    pub(crate) fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
    }

    pub(crate) fn text_of_page(&self) -> String {
        self.try_post(
            "/execute/sync",
            json!({"script": "return document.body ? document.body.innerText : ''", "args": []}),
        )
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
    }

    /// Save a PNG of the window.
    pub(crate) fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let v = self.get("/screenshot");
        let b64 = v.as_str().expect("a screenshot as base64");
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("a screenshot decodes");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the screenshot folder");
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
