#!/usr/bin/env bash
# The test suite, as README.md gives it: starts the local Snowflake emulator (which the
# tests/snowflake_*.rs tests talk to over Snowflake's HTTP protocol, and fail without), runs
# `cargo test` (extra arguments are passed on), and stops the emulator again. scripts/browser.sh
# installs the headless browser the docs-site tests drive (Debian's chromium, chromium-driver),
# scripts/dbt_artifacts.sh the parser that checks the artifacts against dbt's schemas.
# The emulator is installed once into ~/.cache/mozt/fakesnow-venv (PyPI, needs python3).
set -euo pipefail
cd "$(dirname "$0")/.."
export MOZT_FAKESNOW_PORT="${MOZT_FAKESNOW_PORT:-8765}"
trap 'scripts/fakesnow.sh stop >/dev/null 2>&1 || true' EXIT
MOZT_FAKESNOW_URL="$(scripts/fakesnow.sh start)"
# Headless Chromium and chromedriver (apt) for the docs-site tests (tests/docs_site.rs).
scripts/browser.sh >&2
# dbt-artifacts-parser (PyPI, in a venv) for the artifacts' schema tests (tests/dbt_artifacts.rs).
scripts/dbt_artifacts.sh install
export MOZT_FAKESNOW_URL
cargo test "$@"
