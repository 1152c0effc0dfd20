#!/usr/bin/env bash
# Fuzz the SQL check longer than CI does: tests/fuzz_sql.rs in a release build, CASES statements
# (default 100,000) from SEED (default: the time), each checked against DuckDB as the oracle.
# A failure prints the seed and the SQL: add the SQL to REGRESSIONS in tests/fuzz_sql.rs.
#
#   scripts/fuzz.sh [CASES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-100000}"
seed="${2:-$(date +%s)}"
echo "fuzzing the SQL check: $cases cases from seed $seed"
MOZT_FUZZ_CASES="$cases" MOZT_FUZZ_SEED="$seed" \
    nice -n 10 cargo test --release --test fuzz_sql -- --nocapture
