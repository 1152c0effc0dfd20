#!/usr/bin/env bash
# Time mozt and dbt (dbt-core + dbt-duckdb) side by side on the same generated projects:
# parse (cold), compile (cold), seed, run and test on DuckDB, at several sizes; wall time, CPU
# time and peak memory of each command; then mozt's scheduling overhead (mozt run against the
# time DuckDB alone takes to execute the same statements). Prints markdown tables.
#
#   benches/compare.sh                        # N = 100, 1000, 10000; dbt run/test up to 1000
#   benches/compare.sh --sizes "100 1000" --dbt-run-max 10000 --out /tmp/mozt-bench
#   benches/compare.sh --no-dbt               # mozt only
#   benches/compare.sh --mozt path/to/mozt    # this binary instead of building one
#   benches/compare.sh --repeat 9             # mozt's cold parse and compile: median of 9 runs (5)
#
# Needs python3, cargo, and PyPI for the venv (~/.cache/mozt/bench-venv, made once).
# Results: <out>/results.jsonl (one JSON line per command) and <out>/report.md; each command's
# output in <out>/p<N>/logs/. See docs/benchmarks.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
sizes="100 1000 10000"
dbt_run_max=1000
out="${TMPDIR:-/tmp}/mozt-bench"
threads=4
# mozt's cold parse and compile take about a second at 10,000 models, where one run on a shared
# virtual machine can be off by 20%: each is run this many times, cold, and the median recorded.
repeat=5
with_dbt=1
mozt=""
# dbt-core 1.12 needs a wheel from GitHub releases at install time; 1.11 installs from PyPI alone.
dbt_pins=("dbt-core~=1.11.0" "dbt-duckdb~=1.11.0")
venv="${MOZT_CACHE_DIR:-$HOME/.cache/mozt}/bench-venv"

while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --dbt-run-max) dbt_run_max="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --no-dbt) with_dbt=0; shift ;;
    --mozt) mozt="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! [ -x "$venv/bin/dbt" ] && { [ "$with_dbt" = 1 ] || ! python3 -c 'import duckdb' 2>/dev/null; }; then
  echo "Installing ${dbt_pins[*]} into $venv (once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${dbt_pins[@]}"
fi

if [ -z "$mozt" ]; then
  echo "Building mozt (release)"
  (cd "$repo" && cargo build --release --quiet)
  mozt="${CARGO_TARGET_DIR:-$repo/target}/release/mozt"
fi
# The replay needs DuckDB's Python package: the venv's (dbt-duckdb depends on it), else python3's.
py="$venv/bin/python"
[ -x "$py" ] || py=python3

mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
measure() { python3 "$here/measure.py" --record "$results" "$@"; }
# A folder is moved aside, not deleted, before a cold command, and the moved folders are deleted
# at the end: on ext4 without a journal, creating files right after deleting thousands makes each
# new inode's allocation scan past the recently deleted ones (seconds for 15,000 compiled files),
# which would time the file system's bookkeeping, not the tool.
trash="$out/trash"
set_aside() { if [ -e "$1" ]; then mkdir -p "$trash" && mv "$1" "$(mktemp -d "$trash/XXXXXX")/"; fi; }
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1 DBT_TARGET_PATH=dbt_target DBT_VERSION_CHECK=false
# mozt reads the same dbt_project.yml and profiles.yml as dbt, and builds with the profile's output
# `mozt` (into bench_mozt.duckdb; dbt's default output `dev` writes bench_dbt.duckdb).
export MOZT_TARGET=mozt

{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mozt: $("$mozt" --version 2>/dev/null || echo '?') ($(cd "$repo" && git rev-parse --short HEAD))"
  if [ "$with_dbt" = 1 ]; then
    echo "dbt: $("$venv/bin/dbt" --version 2>/dev/null | grep -E 'installed|duckdb:' | tr -s ' ' | tr '\n' ' ')"
  fi
} | tee "$out/machine.txt"

for n in $sizes; do
  proj="$out/p$n"
  set_aside "$proj"
  # One project for both tools: dbt_project.yml and profiles.yml (mozt builds with its output
  # `mozt`, MOZT_TARGET below), no project.yml.
  python3 "$here/gen.py" --models "$n" --out "$proj" --threads "$threads" --layout dbt
  logs="$proj/logs"
  mkdir -p "$logs"
  cd "$proj"

  # mozt: cold parse and compile (no target/ folder, so no cache; median of --repeat runs), then
  # seed, run, test.
  cold=(--repeat "$repeat" --set-aside target --trash "$trash")
  measure --tool mozt --step parse --models "$n" --log "$logs/mozt_parse.log" "${cold[@]}" -- "$mozt" parse
  measure --tool mozt --step compile --models "$n" --log "$logs/mozt_compile.log" "${cold[@]}" -- "$mozt" compile
  rm -f bench_mozt.duckdb bench_mozt.duckdb.wal
  measure --tool mozt --step seed --models "$n" --log "$logs/mozt_seed.log" -- "$mozt" seed
  cp bench_mozt.duckdb "$out/seeded_$n.duckdb"
  measure --tool mozt --step run --models "$n" --log "$logs/mozt_run.log" -- "$mozt" run
  measure --tool mozt --step test --models "$n" --log "$logs/mozt_test.log" -- "$mozt" test

  # Scheduling overhead: the same run again from the same seeded database, logging every
  # statement mozt sends; then DuckDB alone replays them, serially on one connection, on a
  # copy of the seeded database.
  cp "$out/seeded_$n.duckdb" bench_mozt.duckdb
  MOZT_LOG=mozt=debug "$mozt" run --log-format json > "$logs/mozt_run_logged.out" 2> "$logs/mozt_run_sql.jsonl"
  cp "$out/seeded_$n.duckdb" "$out/replay_$n.duckdb"
  "$py" "$here/replay.py" "$out/replay_$n.duckdb" "$logs/mozt_run_sql.jsonl" > "$logs/replay.json"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(tool="duckdb", step="replay", models=int(sys.argv[2]), rc=0); print(json.dumps(r))' \
    "$logs/replay.json" "$n" >> "$results"
  echo "  duckdb replay of mozt's statements: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["statements"], "statements,", round(r["execute_s"], 2), "s")' "$logs/replay.json")"
  rm -f "$out/replay_$n.duckdb" "$out/seeded_$n.duckdb"

  if [ "$with_dbt" = 1 ]; then
    dbt="$venv/bin/dbt"
    set_aside dbt_target
    measure --tool dbt --step parse --models "$n" --log "$logs/dbt_parse.log" -- "$dbt" parse --no-partial-parse || true
    measure --tool dbt --step compile --models "$n" --log "$logs/dbt_compile.log" -- "$dbt" compile --no-partial-parse || true
    if [ "$n" -le "$dbt_run_max" ]; then
      rm -f bench_dbt.duckdb bench_dbt.duckdb.wal
      measure --tool dbt --step seed --models "$n" --log "$logs/dbt_seed.log" -- "$dbt" seed || true
      measure --tool dbt --step run --models "$n" --log "$logs/dbt_run.log" -- "$dbt" run || true
      measure --tool dbt --step test --models "$n" --log "$logs/dbt_test.log" -- "$dbt" test || true
    else
      echo "  dbt seed/run/test skipped at N=$n (over --dbt-run-max $dbt_run_max)"
    fi
  fi
  cd "$out"
done

python3 "$here/report.py" "$results" | tee "$out/report.md"
rm -rf "$trash"
