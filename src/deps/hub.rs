//! The package hub's JSON API, as dbt reads it:
//!
//! - `GET {base}api/v1/index.json`: the list of every package's name (`dbt-labs/dbt_utils`);
//! - `GET {base}api/v1/{namespace}/{name}.json`: `{"name", "namespace", "versions": {"1.1.0":
//!   {"name": <project name>, "packages": [<its dependencies>], "downloads": {"tarball": <url>},
//!   "require_dbt_version": ...}}}`.
//!
//! The base URL is `MOZT_HUB_URL`, else `DBT_PACKAGE_HUB_URL`, else dbt's hub. Responses are kept
//! for the run (each package is asked for once).

use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

use crate::error::{Error, Result};

pub const DEFAULT_HUB_URL: &str = "https://hub.getdbt.com/";
/// The dbt version whose `require-dbt-version` a hub version must admit (mozt reads projects as
/// dbt 1.11 does).
pub const DBT_VERSION: &str = "1.11.0";
/// The largest tarball mozt downloads.
const MAX_TARBALL_BYTES: u64 = 512 * 1024 * 1024;
/// The largest JSON answer mozt reads.
const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// One version of a hub package.
#[derive(Debug, Clone)]
pub struct HubVersion {
    /// The package's project name (its folder under dbt_packages/).
    pub name: String,
    /// Its dependencies, as packages-file entries.
    pub packages: Vec<Value>,
    pub tarball: String,
    /// The tarball's SHA-1, when the hub gives one.
    pub sha1: Option<String>,
    /// `require_dbt_version`, when given.
    pub require_dbt_version: Vec<String>,
}

pub struct Hub {
    base: String,
    agent: ureq::Agent,
    index: Option<Vec<String>>,
    packages: HashMap<String, Vec<(String, HubVersion)>>,
}

impl Hub {
    pub fn from_env() -> Hub {
        let base = std::env::var("MOZT_HUB_URL")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                std::env::var("DBT_PACKAGE_HUB_URL")
                    .ok()
                    .filter(|s| !s.trim().is_empty())
            })
            .unwrap_or_else(|| DEFAULT_HUB_URL.to_string());
        Hub::new(&base)
    }

    pub fn new(base: &str) -> Hub {
        let mut base = base.trim().to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(15))
            .timeout_read(Duration::from_secs(60))
            .user_agent(concat!("mozt/", env!("CARGO_PKG_VERSION")))
            .build();
        Hub {
            base,
            agent,
            index: None,
            packages: HashMap::new(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn get(&self, url: &str) -> Result<ureq::Response> {
        let mut last = None;
        // Connection failures are tried again (as dbt does); an HTTP error status is not.
        for attempt in 0..3 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(500 * attempt));
            }
            tracing::debug!("GET {url}");
            match self.agent.get(url).call() {
                Ok(r) => return Ok(r),
                Err(ureq::Error::Status(code, _)) => {
                    return Err(Error::runtime(format!("the package hub answered {code} for {url}"))
                        .help("check the package's name, or the hub URL (MOZT_HUB_URL / DBT_PACKAGE_HUB_URL)"));
                }
                Err(e) => last = Some(e),
            }
        }
        let detail = last.map(|e| e.to_string()).unwrap_or_default();
        Err(
            Error::runtime(format!("cannot reach the package hub at {url}: {detail}"))
                .help("check the network, or point MOZT_HUB_URL (or DBT_PACKAGE_HUB_URL) at a reachable hub"),
        )
    }

    fn get_json(&self, url: &str) -> Result<Value> {
        let resp = self.get(url)?;
        let mut body = Vec::new();
        resp.into_reader()
            .take(MAX_JSON_BYTES)
            .read_to_end(&mut body)
            .map_err(|e| Error::runtime(format!("cannot read the hub's answer for {url}: {e}")))?;
        serde_json::from_slice(&body)
            .map_err(|e| Error::runtime(format!("the package hub's answer for {url} is not JSON: {e}")))
    }

    /// Is the package on the hub's index?
    pub fn in_index(&mut self, package: &str) -> Result<bool> {
        if self.index.is_none() {
            let url = format!("{}api/v1/index.json", self.base);
            let names = match self.get_json(&url)? {
                Value::Array(items) => items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => {
                    return Err(Error::runtime(format!(
                        "the package hub's index at {url} is not a list"
                    )));
                }
            };
            self.index = Some(names);
        }
        Ok(self.index.as_ref().is_some_and(|i| i.iter().any(|n| n == package)))
    }

    /// Every version the hub offers of `package`, in the hub's order.
    pub fn versions(&mut self, package: &str) -> Result<&[(String, HubVersion)]> {
        if !self.packages.contains_key(package) {
            let url = format!("{}api/v1/{package}.json", self.base);
            let doc = self.get_json(&url)?;
            let bad = |what: &str| Error::runtime(format!("the package hub's answer for {package} ({url}) {what}"));
            let text = |k: &str| doc.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            if text("redirectnamespace").is_some() || text("redirectname").is_some() {
                let namespace = text("redirectnamespace").or(text("namespace")).unwrap_or_default();
                let name = text("redirectname").or(text("name")).unwrap_or_default();
                tracing::warn!(
                    "The package {package} has moved to {namespace}/{name} on the hub: update its name in the \
                     packages file"
                );
            }
            let Some(Value::Object(versions)) = doc.get("versions") else {
                return Err(bad("has no `versions` mapping"));
            };
            let mut out = Vec::with_capacity(versions.len());
            for (version, info) in versions {
                let name = info
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(&format!("gives version {version} no `name`")))?;
                let tarball = info
                    .pointer("/downloads/tarball")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(&format!("gives version {version} no `downloads.tarball`")))?;
                let packages = match info.get("packages") {
                    Some(Value::Array(a)) => a.clone(),
                    _ => Vec::new(),
                };
                let require_dbt_version = match info.get("require_dbt_version") {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                    _ => Vec::new(),
                };
                out.push((
                    version.clone(),
                    HubVersion {
                        name: name.to_string(),
                        packages,
                        tarball: tarball.to_string(),
                        sha1: info
                            .pointer("/downloads/sha1")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        require_dbt_version,
                    },
                ));
            }
            self.packages.insert(package.to_string(), out);
        }
        Ok(self.packages.get(package).map(Vec::as_slice).unwrap_or(&[]))
    }

    /// One version's metadata.
    pub fn version(&mut self, package: &str, version: &str) -> Result<HubVersion> {
        let versions = self.versions(package)?;
        versions
            .iter()
            .find(|(v, _)| v == version)
            .map(|(_, info)| info.clone())
            .ok_or_else(|| {
                Error::project(format!("the package hub has no version {version} of {package}"))
                    .help("run `mozt deps --upgrade` to resolve the packages again")
            })
    }

    /// Download a tarball into memory.
    pub fn download(&self, url: &str) -> Result<Vec<u8>> {
        let resp = self.get(url)?;
        let mut body = Vec::new();
        resp.into_reader()
            .take(MAX_TARBALL_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| Error::runtime(format!("cannot download {url}: {e}")))?;
        if body.len() as u64 > MAX_TARBALL_BYTES {
            return Err(Error::runtime(format!(
                "{url} is larger than {MAX_TARBALL_BYTES} bytes"
            )));
        }
        Ok(body)
    }
}

/// Does a hub version admit dbt 1.11 (its `require_dbt_version`)?
pub fn admits_dbt(info: &HubVersion) -> bool {
    use super::version::{Range, Specifier, Version};
    if info.require_dbt_version.is_empty() {
        return true;
    }
    let Ok(dbt) = Version::parse(DBT_VERSION) else {
        return true;
    };
    let mut specs = Vec::new();
    for text in &info.require_dbt_version {
        for part in text.split(',') {
            match Specifier::parse(part) {
                Ok(s) => specs.push(s),
                // A requirement mozt cannot read does not hide the version.
                Err(_) => return true,
            }
        }
    }
    Range::of(&specs).is_some_and(|r| r.admits(&dbt))
}
