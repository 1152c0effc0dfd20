//! A tiny scripted HTTP server on 127.0.0.1 for the parts of the protocol the emulator cannot
//! produce (statements still running, chunked results, expired sessions) or show (the session
//! statements mozt sends).

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// The request reading and reply writing the integration tests' scripted servers use too.
#[path = "../../../tests/common/http.rs"]
mod http;

/// One request as the stub saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) type Handler = dyn Fn(&Seen) -> (u16, Vec<u8>) + Send + Sync;

/// A scripted HTTP/1.1 server: one thread, one request per connection, stopped on drop.
pub(crate) struct Stub {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Stub {
    pub(crate) fn start(handler: Box<Handler>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        listener.set_nonblocking(true).expect("nonblocking");
        let seen = Arc::new(Mutex::new(vec![]));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                stream.set_nonblocking(false).ok();
                stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let Some(r) = http::read_request(&stream) else {
                    continue;
                };
                let req = Seen {
                    method: r.method,
                    path: r.path,
                    headers: r.headers,
                    body: String::from_utf8_lossy(&r.body).into_owned(),
                };
                let (status, reply) = handler(&req);
                seen2.lock().expect("lock").push(req);
                http::write_reply(stream, status, &reply);
            }
        });
        Stub { url, seen, stop }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
