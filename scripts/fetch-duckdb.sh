#!/usr/bin/env bash
# Fetch the prebuilt libduckdb (DuckDB 1.5.6) into ~/.cache/mozt and vendor/duckdb without
# building mozt. build.rs does the same on the first `cargo build`; this script is for
# warming a cache (e.g. a CI image) ahead of time.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg="@duckdb/node-bindings-linux-x64@1.5.6-r.1"
cache="${MOZT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mozt}/duckdb-1.5.6-r.1"
want=$(grep -oE 'LIB_SHA256: &str = "[0-9a-f]+"' build.rs | grep -oE '[0-9a-f]{64}')
mkdir -p "$cache" vendor/duckdb
if [ ! -f "$cache/libduckdb.so" ] || [ "$(sha256sum "$cache/libduckdb.so" | cut -d' ' -f1)" != "$want" ]; then
  work=$(mktemp -d)
  (cd "$work" && npm pack "$pkg" --silent >/dev/null && tar xzf ./*.tgz package/libduckdb.so)
  got=$(sha256sum "$work/package/libduckdb.so" | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "checksum mismatch: $got != $want" >&2; exit 1; }
  mv "$work/package/libduckdb.so" "$cache/libduckdb.so"
  rm -rf "$work"
fi
cp "$cache/libduckdb.so" vendor/duckdb/libduckdb.so
echo "libduckdb.so ready in vendor/duckdb (cached in $cache)"
