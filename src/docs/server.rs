//! `mozt docs serve`: a small HTTP/1.1 server over std's `TcpListener` that answers GET and
//! HEAD for the site's few files (one thread per connection, each answer closes it). The site's
//! files come from the binary; data.js is read from disk on each request, so running
//! `mozt docs generate` again and reloading the page shows the new data.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::site;

/// The most a request's head may take (request line and headers).
const MAX_HEAD: usize = 16 * 1024;

pub(crate) struct Server {
    listener: TcpListener,
    /// The data script written by `mozt docs generate`.
    data: Arc<PathBuf>,
}

impl Server {
    pub(crate) fn bind(host: &str, port: u16, data: PathBuf) -> std::io::Result<Server> {
        let listener = TcpListener::bind((host, port))?;
        Ok(Server {
            listener,
            data: Arc::new(data),
        })
    }

    pub(crate) fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Answer requests until the process ends.
    pub(crate) fn run(self) {
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else { continue };
            let data = Arc::clone(&self.data);
            std::thread::spawn(move || {
                if let Err(e) = handle(stream, &data) {
                    tracing::debug!("docs server: {e}");
                }
            });
        }
    }
}

/// What a request's path names.
enum Answer {
    Static(&'static str, &'static str),
    Data,
    NotFound,
}

fn route(path: &str) -> Answer {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let name = path.trim_start_matches('/');
    let name = if name.is_empty() { "index.html" } else { name };
    if name == site::DATA_FILE {
        return Answer::Data;
    }
    match site::file(name) {
        Some((content_type, body)) => Answer::Static(content_type, body),
        None => Answer::NotFound,
    }
}

fn handle(stream: TcpStream, data: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read (and ignore) the headers, up to the blank line.
    let mut read = request_line.len();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line)?;
        read += n;
        if n == 0 || line == "\r\n" || line == "\n" || read > MAX_HEAD {
            break;
        }
    }
    let mut out = stream;
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return respond(&mut out, "400 Bad Request", "text/plain", b"bad request\n", true);
    };
    let with_body = match method {
        "GET" => true,
        "HEAD" => false,
        _ => return respond(&mut out, "405 Method Not Allowed", "text/plain", b"GET only\n", true),
    };
    match route(path) {
        Answer::Static(content_type, body) => respond(&mut out, "200 OK", content_type, body.as_bytes(), with_body),
        Answer::Data => match std::fs::read(data) {
            Ok(bytes) => respond(&mut out, "200 OK", "text/javascript; charset=utf-8", &bytes, with_body),
            Err(e) => {
                let body = format!(
                    "window.MOZT_DOCS_ERROR = {};\n",
                    serde_json::Value::String(format!(
                        "cannot read {}: {e}. Run `mozt docs generate` first.",
                        data.display()
                    ))
                );
                respond(
                    &mut out,
                    "200 OK",
                    "text/javascript; charset=utf-8",
                    body.as_bytes(),
                    with_body,
                )
            }
        },
        Answer::NotFound => respond(&mut out, "404 Not Found", "text/plain", b"not found\n", with_body),
    }
}

fn respond(out: &mut TcpStream, status: &str, content_type: &str, body: &[u8], with_body: bool) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    if with_body {
        out.write_all(body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_the_site_files_and_nothing_else() {
        assert!(matches!(route("/"), Answer::Static("text/html; charset=utf-8", _)));
        assert!(matches!(route("/index.html?x=1"), Answer::Static(..)));
        assert!(matches!(
            route("/app.js"),
            Answer::Static("text/javascript; charset=utf-8", _)
        ));
        assert!(matches!(route("/data.js"), Answer::Data));
        assert!(matches!(route("/../Cargo.toml"), Answer::NotFound));
        assert!(matches!(route("/target/catalog.json"), Answer::NotFound));
    }
}
