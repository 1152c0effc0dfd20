//! Makes sure the prebuilt libduckdb is present before mozt links against it.
//!
//! DuckDB compiled from source costs about an hour of CPU on 2 cores, so by default mozt links the
//! `libduckdb.so` that DuckDB publishes inside the npm package `@duckdb/node-bindings-linux-x64`.
//! `.cargo/config.toml` points `DUCKDB_LIB_DIR` at `vendor/duckdb`; this script fills that folder
//! from a cache under `$HOME/.cache/mozt` (fetching the package with `npm pack` the first time),
//! verifies its checksum, and adds an rpath so `cargo run` and `cargo test` find the library.
//! The `bundled` feature skips all of this and compiles DuckDB instead.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const NPM_PACKAGE: &str = "@duckdb/node-bindings-linux-x64@1.5.6-r.1";
const CACHE_NAME: &str = "duckdb-1.5.6-r.1";
const LIB_SHA256: &str = "3f4962cdd266eab2b479a5b5a4a6d063d279b2954ae814ed00385d553b747633";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    if env::var_os("CARGO_FEATURE_BUNDLED").is_some() {
        return;
    }
    let Some(lib_dir) = env::var_os("DUCKDB_LIB_DIR").map(PathBuf::from) else {
        return;
    };
    if let Err(err) = ensure_library(&lib_dir) {
        panic!(
            "mozt needs libduckdb.so in {}: {err}\n\
             Fix: run `scripts/fetch-duckdb.sh`, or build with `--features bundled` to compile DuckDB from source.",
            lib_dir.display()
        );
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    println!("cargo:rerun-if-changed={}", lib_dir.join("libduckdb.so").display());
}

fn ensure_library(lib_dir: &Path) -> Result<(), String> {
    let target = lib_dir.join("libduckdb.so");
    if target.exists() && sha256(&target)? == LIB_SHA256 {
        return Ok(());
    }
    let cache = cache_dir()?;
    let cached = cache.join("libduckdb.so");
    if !(cached.exists() && sha256(&cached)? == LIB_SHA256) {
        fetch_into(&cache)?;
    }
    fs::create_dir_all(lib_dir).map_err(|e| format!("cannot create {}: {e}", lib_dir.display()))?;
    let tmp = lib_dir.join("libduckdb.so.tmp");
    fs::copy(&cached, &tmp).map_err(|e| format!("cannot copy the cached library: {e}"))?;
    fs::rename(&tmp, &target).map_err(|e| format!("cannot move the library into place: {e}"))?;
    Ok(())
}

fn cache_dir() -> Result<PathBuf, String> {
    let base = env::var_os("MOZT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("mozt")))
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("mozt")))
        .ok_or("neither MOZT_CACHE_DIR, XDG_CACHE_HOME nor HOME is set")?;
    Ok(base.join(CACHE_NAME))
}

fn fetch_into(cache: &Path) -> Result<(), String> {
    fs::create_dir_all(cache).map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let work = cache.join("download");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let out = Command::new("npm")
        .args(["pack", NPM_PACKAGE, "--silent"])
        .current_dir(&work)
        .output()
        .map_err(|e| format!("cannot run npm (is Node.js installed?): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`npm pack {NPM_PACKAGE}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let tgz = fs::read_dir(&work)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .ok_or("npm pack produced no archive")?;
    let status = Command::new("tar")
        .args(["xzf"])
        .arg(&tgz)
        .args(["-C"])
        .arg(&work)
        .args(["package/libduckdb.so"])
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.success() {
        return Err("tar could not extract package/libduckdb.so".into());
    }
    let extracted = work.join("package").join("libduckdb.so");
    let sum = sha256(&extracted)?;
    if sum != LIB_SHA256 {
        return Err(format!(
            "checksum mismatch for the fetched libduckdb.so: {sum}, expected {LIB_SHA256}"
        ));
    }
    fs::rename(&extracted, cache.join("libduckdb.so")).map_err(|e| e.to_string())?;
    let _ = fs::remove_dir_all(&work);
    Ok(())
}

fn sha256(path: &Path) -> Result<String, String> {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .next()
        .map(str::to_string)
        .ok_or_else(|| format!("sha256sum gave no output for {}", path.display()))
}
