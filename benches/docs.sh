#!/usr/bin/env bash
# Time `mozt docs generate` (release build) on generated projects, and `dbt docs generate`
# (dbt-core 1.11 + dbt-duckdb, the venv benches/compare.sh makes in ~/.cache/mozt/bench-venv)
# on the same projects, with /usr/bin/time -v: wall time, CPU time and peak memory.
#
#   benches/docs.sh                                     # mozt at 1,000 and 10,000; dbt at 1,000
#   benches/docs.sh --sizes "1000" --dbt-sizes "1000" --out /tmp/docs-bench --mozt path/to/mozt
#
# Each project is built first (`seed`, then `run`, with each tool: the generated sources are
# seeds, which dbt does not order before the models that read them) so that both tools read a
# warehouse catalog holding every model. Prints a markdown table; the /usr/bin/time -v output of each
# run is kept in OUT/pN/logs/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
sizes="1000 10000"
dbt_sizes="1000"
out="/tmp/mozt-docs-bench"
mozt=""
venv="${MOZT_CACHE_DIR:-$HOME/.cache/mozt}/bench-venv"
dbt_pins=("dbt-core~=1.11.0" "dbt-duckdb~=1.11.0")

while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --dbt-sizes) dbt_sizes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --mozt) mozt="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "docs.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -n "$dbt_sizes" ] && ! [ -x "$venv/bin/dbt" ]; then
  echo "Installing ${dbt_pins[*]} into $venv (once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${dbt_pins[@]}"
fi
if [ -z "$mozt" ]; then
  echo "Building mozt (release)"
  (cd "$repo" && cargo build --release --quiet)
  mozt="${CARGO_TARGET_DIR:-$repo/target}/release/mozt"
fi
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1 DBT_TARGET_PATH=dbt_target DBT_VERSION_CHECK=false

# /usr/bin/time -v's log -> "wall_s cpu_s peak_mb"
figures() {
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /User time/ { u = $2 } /System time/ { s = $2 }
    /Maximum resident set size/ { m = $2 / 1024 }
    END { printf "%.2f %.2f %.0f\n", w, u + s, m }' "$1"
}

mkdir -p "$out"
rows=()
timed() {  # tool n log -- command...
  local tool="$1" n="$2" log="$3"; shift 4
  if ! /usr/bin/time -v -o "$log.time" "$@" > "$log" 2>&1; then
    echo "  $tool docs generate failed at N=$n (see $log)" >&2
    return 1
  fi
  read -r wall cpu mem < <(figures "$log.time")
  echo "  $tool docs generate, N=$n: ${wall}s wall, ${cpu}s CPU, ${mem} MB peak"
  rows+=("| $tool | $n | $wall | $cpu | $mem |")
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); mozt $("$mozt" --version) ($(cd "$repo" && git rev-parse --short HEAD))"
for n in $sizes; do
  proj="$out/p$n"
  rm -rf "$proj"
  python3 "$here/gen.py" --models "$n" --out "$proj" > /dev/null
  mkdir -p "$proj/logs"
  cd "$proj"
  echo "N=$n: mozt seed, run"
  { "$mozt" seed && "$mozt" run; } > logs/mozt_build.log 2>&1
  timed mozt "$n" logs/mozt_docs.log -- "$mozt" docs generate
  if [[ " $dbt_sizes " == *" $n "* ]]; then
    echo "N=$n: dbt seed, run"
    { "$venv/bin/dbt" seed && "$venv/bin/dbt" run; } > logs/dbt_build.log 2>&1 || echo "  dbt seed/run failed (see logs/dbt_build.log)"
    timed dbt "$n" logs/dbt_docs.log -- "$venv/bin/dbt" docs generate || true
  fi
  cd "$out"
done

echo
echo "| tool | models | wall s | CPU s | peak MB |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
