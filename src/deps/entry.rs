//! One entry of a packages file (or of a lock file, or of the hub's metadata for a package's own
//! dependencies) read into a `PackageSpec`: its kind, its keys checked, `env_var()` / `var()`
//! rendered, and the form that goes into the lock file's hash.

use serde_json::{Map, Value};

use super::spec::{Origin, PackageSpec, Source, Vars};
use crate::error::{Error, Result};

const WRITE_A_PACKAGE: &str =
    "write `- package: dbt-labs/dbt_utils` with `version:`, `- git: <url>` or `- local: <folder>`";

/// Which kind of package an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hub,
    Git,
    Local,
    Tarball,
}

impl Kind {
    /// The kind named by the entry's keys, or the error for a `private:` entry or none at all.
    fn of(rendered: &Map<String, Value>, entry: &Entry) -> Result<Kind> {
        let kinds = [
            ("package", Some(Kind::Hub)),
            ("git", Some(Kind::Git)),
            ("local", Some(Kind::Local)),
            ("tarball", Some(Kind::Tarball)),
            ("private", None),
        ];
        match kinds.into_iter().find(|(key, _)| rendered.contains_key(*key)) {
            Some((_, Some(kind))) => Ok(kind),
            Some((_, None)) => Err(entry.err(
                "`private:` packages (git repositories reached through a dbt platform integration) are not \
                 supported by mozt",
                "use `git:` with the repository's URL (an access token may come from env_var())",
            )),
            None => Err(entry.err(
                "a package needs one of `package:`, `git:`, `local:` or `tarball:`",
                WRITE_A_PACKAGE,
            )),
        }
    }

    /// The keys an entry of this kind may hold.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Hub => &["package", "version", "install_prerelease", "install-prerelease", "name"],
            Kind::Git => &["git", "revision", "warn-unpinned", "subdirectory", "name"],
            Kind::Local => &["local", "name"],
            Kind::Tarball => &["tarball", "name"],
        }
    }
}

/// An entry being read: as written, rendered, and where it was written (for errors).
struct Entry<'a> {
    raw: &'a Map<String, Value>,
    rendered: Map<String, Value>,
    origin: &'a Origin,
    /// What goes into the lock file's hash, filled as the keys are read.
    hash: Map<String, Value>,
}

/// One list entry (from a packages file, a lock file or the hub's metadata).
pub fn parse_entry(entry: &Value, origin: Origin, vars: &Vars) -> Result<PackageSpec> {
    let Value::Object(raw) = entry else {
        return Err(error_at(&origin, "a package must be a mapping", WRITE_A_PACKAGE));
    };
    let rendered = render_map(raw, vars).map_err(|m| {
        error_at(
            &origin,
            &m,
            "set the environment variable (or pass the var with --vars), or give it a default",
        )
    })?;
    let mut entry = Entry {
        raw,
        rendered,
        origin: &origin,
        hash: Map::new(),
    };
    let kind = Kind::of(&entry.rendered, &entry)?;
    entry.check_keys(kind)?;
    let name = entry.string("name", false)?;
    let source = match kind {
        Kind::Hub => entry.hub()?,
        Kind::Git => entry.git()?,
        Kind::Local => entry.local()?,
        Kind::Tarball => entry.tarball(name.clone())?,
    };
    let mut hash = std::mem::take(&mut entry.hash);
    if let Some(n) = &name {
        hash.insert("name".into(), Value::String(n.clone()));
    }
    hash.insert("unrendered".into(), Value::Object(raw.clone()));
    Ok(PackageSpec {
        source,
        name,
        origin,
        hash_form: Value::Object(hash),
    })
}

fn error_at(origin: &Origin, msg: &str, help: &str) -> Error {
    let e = Error::project(msg.to_string()).help(help.to_string());
    match origin.location() {
        Some(loc) => e.at(loc),
        None => e,
    }
}

impl Entry<'_> {
    fn err(&self, msg: &str, help: &str) -> Error {
        error_at(self.origin, msg, help)
    }

    fn check_keys(&self, kind: Kind) -> Result<()> {
        let allowed = kind.keys();
        match self.rendered.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.err(
                &format!("unknown key `{k}` in a package"),
                &format!("this kind of package takes: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    /// A string value (a number is taken as its text where the key is optional).
    fn string(&self, key: &str, required: bool) -> Result<Option<String>> {
        match self.rendered.get(key) {
            None | Some(Value::Null) if !required => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(Value::Number(n)) if !required => Ok(Some(n.to_string())),
            Some(Value::String(_)) | None | Some(Value::Null) => Err(self.err(
                &format!("`{key}:` of a package is missing its value"),
                "give it a value, or remove the package",
            )),
            Some(_) => Err(self.err(&format!("`{key}:` must be a string"), "quote the value")),
        }
    }

    fn required(&self, key: &str) -> Result<String> {
        Ok(self.string(key, true)?.unwrap_or_default())
    }

    fn flag(&self, key: &str) -> Result<Option<bool>> {
        match self.rendered.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.err(&format!("`{key}:` must be true or false"), "write true or false")),
        }
    }

    /// The value as written before rendering (git URLs and tarballs keep it for the lock file).
    fn written(&self, key: &str, rendered: &str) -> String {
        match self.raw.get(key) {
            Some(Value::String(s)) => s.clone(),
            _ => rendered.to_string(),
        }
    }

    /// Copy a rendered key into the hash form as it stands (null when absent).
    fn hash_as_rendered(&mut self, key: &str) {
        let v = self.rendered.get(key).cloned().unwrap_or(Value::Null);
        self.hash.insert(key.into(), v);
    }

    /// `package:` with `version:` (and `install_prerelease:`).
    fn hub(&mut self) -> Result<Source> {
        let package = self.required("package")?;
        if !package.contains('/') {
            return Err(self.err(
                &format!(
                    "{package} was not found in the package index. Packages on the index require a namespace, \
                     e.g dbt-labs/dbt_utils"
                ),
                "write the hub name with its namespace: `package: dbt-labs/dbt_utils`",
            ));
        }
        let versions = self.versions(&package)?;
        let prerelease = match self.flag("install_prerelease")? {
            Some(b) => Some(b),
            None => self.flag("install-prerelease")?,
        };
        self.hash.insert("package".into(), Value::String(package.clone()));
        self.hash_as_rendered("version");
        let written_prerelease = match self.rendered.get("install_prerelease") {
            Some(Value::Null) => Value::Null,
            _ => Value::Bool(prerelease.unwrap_or(false)),
        };
        self.hash.insert("install_prerelease".into(), written_prerelease);
        Ok(Source::Hub {
            package,
            versions,
            install_prerelease: prerelease.unwrap_or(false),
        })
    }

    /// `version:` of a hub package: one specifier, a comma-separated string or a list, each checked.
    fn versions(&self, package: &str) -> Result<Vec<String>> {
        let versions: Vec<String> = match self.rendered.get("version") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.split(',').map(|v| v.trim().to_string()).collect(),
            Some(Value::Number(n)) => vec![n.to_string()],
            Some(Value::Array(items)) if !items.is_empty() => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.trim().to_string()),
                        Value::Number(n) => out.push(n.to_string()),
                        _ => return Err(self.err("a `version:` list holds version strings", "quote each version")),
                    }
                }
                out
            }
            _ => {
                return Err(self.err(
                    &format!(
                        "{package} is missing the version. When installing from the Hub package index, version is \
                         a required property"
                    ),
                    "add `version: [\">=1.0.0\", \"<2.0.0\"]` (a range) or `version: 1.0.0`",
                ));
            }
        };
        for v in &versions {
            if let Err(e) = super::version::Specifier::parse(v) {
                return Err(self.err(
                    &format!("{e} (in the version of {package})"),
                    "write MAJOR.MINOR.PATCH, optionally after >=, >, <=, < or =: \">=1.0.0\"",
                ));
            }
        }
        Ok(versions)
    }

    /// `git:` with `revision:`, `subdirectory:` and `warn-unpinned:`.
    fn git(&mut self) -> Result<Source> {
        let url = self.required("git")?;
        let revision = self.string("revision", false)?;
        let subdirectory = self.string("subdirectory", false)?;
        let warn = self.flag("warn-unpinned")?;
        self.hash.insert("git".into(), Value::String(url.clone()));
        for key in ["revision", "subdirectory", "warn-unpinned"] {
            self.hash_as_rendered(key);
        }
        Ok(Source::Git {
            url_written: self.written("git", &url),
            url,
            revision,
            subdirectory,
            warn_unpinned: warn != Some(false),
        })
    }

    fn local(&mut self) -> Result<Source> {
        let path = self.required("local")?;
        self.hash.insert("local".into(), Value::String(path.clone()));
        Ok(Source::Local { path })
    }

    /// `tarball:`, which needs `name:` (the folder it is installed in).
    fn tarball(&mut self, name: Option<String>) -> Result<Source> {
        let url = self.required("tarball")?;
        let Some(name) = name else {
            return Err(self.err(
                "a `tarball:` package needs a `name:` (the folder it is installed in)",
                "add `name: <package name>`",
            ));
        };
        self.hash.insert("tarball".into(), Value::String(url.clone()));
        Ok(Source::Tarball {
            url_written: self.written("tarball", &url),
            url,
            name,
        })
    }
}

/// Render `{{ env_var('X') }}` in every string of an entry.
fn render_map(raw: &Map<String, Value>, vars: &Vars) -> std::result::Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (k, v) in raw {
        let v = match v {
            Value::String(s) => Value::String(render_str(s, vars)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => render_str(s, vars).map(Value::String),
                        other => Ok(other.clone()),
                    })
                    .collect::<std::result::Result<_, _>>()?,
            ),
            other => other.clone(),
        };
        out.insert(k.clone(), v);
    }
    Ok(out)
}

fn render_str(s: &str, vars: &Vars) -> std::result::Result<String, String> {
    if !s.contains("{{") && !s.contains("{%") {
        return Ok(s.to_string());
    }
    let mut env = minijinja::Environment::new();
    env.add_function(
        "env_var",
        |name: String, default: Option<String>| -> std::result::Result<String, minijinja::Error> {
            match std::env::var(&name) {
                Ok(v) => Ok(v),
                Err(_) => default.ok_or_else(|| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("env_var('{name}'): the environment variable is not set"),
                    )
                }),
            }
        },
    );
    let known = vars.clone();
    env.add_function(
        "var",
        move |name: String,
              default: Option<minijinja::Value>|
              -> std::result::Result<minijinja::Value, minijinja::Error> {
            match known.get(&name) {
                Some(v) => Ok(minijinja::Value::from(minijinja::value::Serde(v.clone()))),
                None => default.ok_or_else(|| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("Required var '{name}' not found in --vars"),
                    )
                }),
            }
        },
    );
    env.render_str(s, minijinja::context! {}).map_err(|e| {
        let detail = e.detail().map(str::to_string).unwrap_or_else(|| e.to_string());
        format!("cannot render `{s}`: {detail}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_is_rendered() {
        // SAFETY of the test: a variable name no other test reads.
        unsafe { std::env::set_var("MOZT_SPEC_TEST_TOKEN", "s3cret") };
        assert_eq!(
            render_str("https://{{ env_var('MOZT_SPEC_TEST_TOKEN') }}@host/r.git", &Vars::new()).unwrap(),
            "https://s3cret@host/r.git"
        );
        assert_eq!(
            render_str("{{ env_var('MOZT_SPEC_UNSET_X', 'd') }}", &Vars::new()).unwrap(),
            "d"
        );
        assert!(render_str("{{ env_var('MOZT_SPEC_UNSET_X') }}", &Vars::new()).is_err());
        let mut vars = Vars::new();
        vars.insert("utils_version".into(), Value::String("1.2.0".into()));
        assert_eq!(render_str("{{ var('utils_version') }}", &vars).unwrap(), "1.2.0");
        assert_eq!(render_str("{{ var('other', '2.0.0') }}", &vars).unwrap(), "2.0.0");
        assert!(render_str("{{ var('other') }}", &vars).is_err());
    }
}
