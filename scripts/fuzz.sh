#!/usr/bin/env bash
# Fuzz longer than `cargo test` (and CI) does: tests/fuzz/sql.rs (the SQL check, DuckDB as the
# oracle) and tests/fuzz/project.rs (project files, Jinja, seeds) in an optimized build
# (Cargo.toml's fuzz profile), one after the other on one thread, each for
# CASES cases (default 100,000) from SEED (default: the time), or SECONDS seconds each
# (default: no limit), whichever ends first. Each prints the number of cases tried and the time.
# A failure prints its seed and input: add the input to REGRESSIONS in the harness.
#
#   scripts/fuzz.sh [CASES] [SEED] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-100000}"
seed="${2:-$(date +%s)}"
seconds="${3:-999999999}"
echo "fuzzing: up to $cases cases per harness from seed $seed, up to $seconds s each"
MOZT_FUZZ_CASES="$cases" MOZT_FUZZ_SEED="$seed" MOZT_FUZZ_SECONDS="$seconds" \
    nice -n 10 cargo test --profile fuzz --test fuzz -- --nocapture --test-threads=1
