//! For tests/deps.rs: a package hub served from this process (the hub's JSON API and .tar.gz
//! tarballs built here), and git repositories made with the `git` command-line tool.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

type Routes = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// One published version of a hub package.
#[derive(Clone)]
struct Published {
    version: String,
    name: String,
    deps: Value,
    require_dbt_version: Option<Value>,
}

/// A hub on 127.0.0.1 (a free port), answering `GET` from a table of paths; stopped on drop.
pub(crate) struct StubHub {
    port: u16,
    routes: Routes,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    packages: BTreeMap<String, Vec<Published>>,
}

impl StubHub {
    pub(crate) fn start() -> StubHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port for the stub hub");
        let port = listener.local_addr().expect("local address").port();
        let routes: Routes = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, q, s) = (routes.clone(), requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve(stream, &r, &q);
                }
            }
        });
        let hub = StubHub {
            port,
            routes,
            requests,
            stop,
            thread: Some(thread),
            packages: BTreeMap::new(),
        };
        hub.refresh();
        hub
    }

    /// The base URL (for MOZT_HUB_URL).
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Publish `package` (namespace/name) at `version`, depending on `deps` (packages-file
    /// entries). Its tarball holds a dbt project named after the package's name, with a macro
    /// that returns the version.
    pub(crate) fn publish(&mut self, package: &str, version: &str, deps: Value) {
        self.publish_with(package, version, deps, None);
    }

    pub(crate) fn publish_with(
        &mut self,
        package: &str,
        version: &str,
        deps: Value,
        require_dbt_version: Option<Value>,
    ) {
        let name = package.rsplit('/').next().expect("a package name").to_string();
        let top = format!("{}-{version}", name.replace('_', "-"));
        let files = vec![
            (
                format!("{top}/dbt_project.yml"),
                format!("name: {name}\nversion: '{version}'\nconfig-version: 2\n"),
            ),
            (
                format!("{top}/macros/{name}_version.sql"),
                format!("{{% macro {name}_version() %}}'{version}'{{% endmacro %}}\n"),
            ),
        ];
        let tarball = tar_gz(&files);
        self.routes
            .lock()
            .expect("routes")
            .insert(format!("/tarballs/{package}/{version}.tar.gz"), tarball);
        self.packages.entry(package.to_string()).or_default().push(Published {
            version: version.to_string(),
            name,
            deps,
            require_dbt_version,
        });
        self.refresh();
    }

    /// Serve arbitrary bytes at a path (a broken tarball, say).
    pub(crate) fn serve_bytes(&self, path: &str, bytes: Vec<u8>) {
        self.routes.lock().expect("routes").insert(path.to_string(), bytes);
    }

    /// Write index.json and each package's JSON as the hub's API has them.
    fn refresh(&self) {
        let mut routes = self.routes.lock().expect("routes");
        let index: Vec<&String> = self.packages.keys().collect();
        routes.insert("/api/v1/index.json".into(), json!(index).to_string().into_bytes());
        for (package, versions) in &self.packages {
            let (namespace, name) = package.split_once('/').expect("namespace/name");
            let mut map = serde_json::Map::new();
            for p in versions {
                let mut v = json!({
                    "id": format!("{package}/{}", p.version),
                    "name": p.name,
                    "version": p.version,
                    "published_at": "2024-01-01T00:00:00Z",
                    "packages": p.deps,
                    "works_with": [],
                    "downloads": {
                        "tarball": format!("{}tarballs/{package}/{}.tar.gz", self.url(), p.version),
                        "format": "tgz",
                    },
                });
                if let Some(r) = &p.require_dbt_version {
                    v["require_dbt_version"] = r.clone();
                }
                map.insert(p.version.clone(), v);
            }
            let latest = versions.last().map(|p| p.version.clone()).unwrap_or_default();
            let doc = json!({"name": name, "namespace": namespace, "latest": latest, "versions": map});
            routes.insert(format!("/api/v1/{package}.json"), doc.to_string().into_bytes());
        }
    }

    /// The paths asked for so far.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

impl Drop for StubHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut stream: TcpStream, routes: &Routes, requests: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    requests.lock().expect("requests").push(path.clone());
    let body = routes.lock().expect("routes").get(&path).cloned();
    let (status, body) = match body {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}

/// A .tar.gz of (path, text) files.
pub(crate) fn tar_gz(files: &[(String, String)]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(enc);
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder
            .append_data(&mut header, path, text.as_bytes())
            .expect("add a file to the tarball");
    }
    builder
        .into_inner()
        .expect("finish the tarball")
        .finish()
        .expect("finish the gzip stream")
}

/// Run git in `dir` with a fixed author and fixed dates (so commits have the same ids in every
/// run) and no user or system configuration; its stdout, trimmed.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .output()
        .expect("run git (the tests need the git command-line tool)");
    assert!(
        out.status.success(),
        "git {args:?} failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Write files (relative path, text) under `dir`.
pub(crate) fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folders");
        std::fs::write(&path, text).expect("write a file");
    }
}

/// Commit everything in the repository at `dir`; the new commit's id.
pub(crate) fn commit_all(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A new repository at `dir` holding `files`, committed on `main`; the commit's id.
pub(crate) fn new_repo(dir: &Path, files: &[(&str, &str)]) -> String {
    std::fs::create_dir_all(dir).expect("create the repository folder");
    git(dir, &["init", "-q"]);
    write_files(dir, files);
    commit_all(dir, "first")
}

/// The file:// URL of a local repository.
pub(crate) fn file_url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}
