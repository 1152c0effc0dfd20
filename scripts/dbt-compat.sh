#!/usr/bin/env bash
# Run public dbt projects and packages with dbt (dbt-core 1.11 + dbt-duckdb, in a venv) and with
# mozt, side by side, and compare what they build: every relation row by row (with its column
# names and types) and every seed, model and test result (run_results.json, by unique_id).
# Not part of CI: it clones the projects (see PROJECTS below). docs/dbt-compat.md has the results.
#
#   scripts/dbt-compat.sh                      # every project of the table
#   scripts/dbt-compat.sh dbt_utils            # only these (names from the table)
#   scripts/dbt-compat.sh --mozt path/to/mozt  # this binary instead of building one (debug)
#   scripts/dbt-compat.sh --no-dbt             # run mozt again, compare with the last dbt run
#
# Environment:
#   MOZT_COMPAT_GIT_BASE  where repositories are cloned from (default https://github.com): a URL
#                         base (<base>/<owner>/<repo>) or a folder of mirrors laid out as
#                         <owner>+<repo>/repo or <owner>/<repo>
#   MOZT_CACHE_DIR        cache folder (default ~/.cache/mozt): clones in dbt-compat/repos,
#                         working copies and logs in dbt-compat/work/<project>/{dbt,mozt}
#
# Each project gets two copies of the same checkout, one per tool, each with its own profiles.yml
# (a duckdb output writing <copy>/warehouse.duckdb) and its dbt_packages/ filled from the clones the
# table names, so neither tool's `deps` needs the internet. Both run `seed`, `run` and `test`;
# each step's run_results.json is kept. scripts/dbt_compat_compare.py then opens both databases in
# the venv's DuckDB and writes <work>/report.md and <work>/<project>/diff.json.
set -euo pipefail

# The projects. One line each:
#   name      a short name for the command line and the report
#   repo      GitHub owner/repo
#   revision  a tag or commit (pinned, so results repeat)
#   subdir    the folder of the repository holding the dbt_project.yml that is run (. = root)
#   packages  comma-separated folders to put in dbt_packages/: NAME=. is this repository's root
#             (the package an integration_tests project tests), NAME=owner/repo@revision another
#             repository's root; - for none
# A project needing more than that gets a function setup_<name> (see "Setup hooks" below).
PROJECTS='
# name        repo                          revision  subdir             packages
jaffle_shop   dbt-labs/jaffle_shop_duckdb   9b13827   .                  -
dbt_utils     dbt-labs/dbt-utils            1.4.1     integration_tests  dbt_utils=.
klaviyo_source   fivetran/dbt_klaviyo_source   17edf08  integration_tests  klaviyo_source=.,fivetran_utils=fivetran/dbt_fivetran_utils@v0.4.9,spark_utils=dbt-labs/spark-utils@0.3.3,dbt_utils=dbt-labs/dbt-utils@1.4.1
iterable_source  fivetran/dbt_iterable_source  v0.10.1  integration_tests  iterable_source=.,fivetran_utils=fivetran/dbt_fivetran_utils@v0.4.9,dbt_utils=dbt-labs/dbt-utils@1.4.1
hubspot          fivetran/dbt_hubspot          v1.7.2   integration_tests  hubspot=.,fivetran_utils=fivetran/dbt_fivetran_utils@v0.4.9,spark_utils=dbt-labs/spark-utils@0.3.3,dbt_utils=dbt-labs/dbt-utils@1.4.1
hubspot_merge_audit  fivetran/dbt_hubspot      v1.7.2   integration_tests  hubspot=.,fivetran_utils=fivetran/dbt_fivetran_utils@v0.4.9,spark_utils=dbt-labs/spark-utils@0.3.3,dbt_utils=dbt-labs/dbt-utils@1.4.1
iterable         fivetran/dbt_iterable         v1.4.1   integration_tests  iterable=.,fivetran_utils=fivetran/dbt_fivetran_utils@v0.4.9,dbt_utils=dbt-labs/dbt-utils@1.4.1
klaviyo          fivetran/dbt_klaviyo          v1.3.1   integration_tests  klaviyo=.,fivetran_utils=fivetran/dbt_fivetran_utils@v0.4.9,spark_utils=dbt-labs/spark-utils@0.3.3,dbt_utils=dbt-labs/dbt-utils@1.4.1
dbt_date         godatadriven/dbt-date         0.21.0   integration_tests  dbt_date=.
dbt_expectations metaplane/dbt-expectations    0.10.9   integration_tests  dbt_expectations=.,dbt_date=godatadriven/dbt-date@0.17.1
'

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(dirname "$here")"
cache="${MOZT_CACHE_DIR:-$HOME/.cache/mozt}"
git_base="${MOZT_COMPAT_GIT_BASE:-https://github.com}"
root="$cache/dbt-compat"
venv="$cache/bench-venv"
dbt_pins=("dbt-core~=1.11.0" "dbt-duckdb~=1.11.0")
# dbt-duckdb runs on the DuckDB release mozt embeds (build.rs), so that a difference is the
# tools' and not two DuckDB releases' (they differ, e.g., in casting a FLOAT to a DECIMAL).
duckdb_version="$(sed -n 's/^const NPM_PACKAGE: &str = ".*@\([0-9.]*\)-r\.[0-9]*";$/\1/p' "$repo_root/build.rs")"
mozt=""
with_dbt=1
only=()

while [ $# -gt 0 ]; do
  case "$1" in
    --mozt) mozt="$2"; shift 2 ;;
    --no-dbt) with_dbt=0; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    -*) echo "dbt-compat.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done

# Setup hooks: called as setup_<name> <tool> in the copy's folder, after packages and profile.

# Fivetran's source packages read their sources from the schema their `<name>_schema` var names
# and their integration tests load the seeds into the target's schema: the profile's schema is
# that one, as in the packages' own CI profiles.
fivetran_schema() {
  sed -i "s/^      threads: 4$/      schema: $1\n      threads: 4/" profiles.yml
}
setup_klaviyo_source() { fivetran_schema klaviyo_source_integration_tests_4; }
setup_iterable_source() { fivetran_schema iterable_source_integration_tests_8; }
setup_hubspot() { fivetran_schema hubspot_integration_tests; }
# hubspot's contact models merge contacts with a macro that has no DuckDB form (its default is
# BigQuery's SQL: both tools fail it, and skip the 16 models after it); this run reads the merges
# from the contact_merge_audit seed instead, as one of the package's own CI scenarios does.
setup_hubspot_merge_audit() {
  setup_hubspot
  sed -i 's/^vars:$/vars:\n  hubspot_contact_merge_audit_enabled: true/' dbt_project.yml
}
setup_iterable() { fivetran_schema iterable_integration_tests; }
setup_klaviyo() { fivetran_schema klaviyo_integration_tests; }

if ! [ -x "$venv/bin/dbt" ]; then
  echo "Installing ${dbt_pins[*]} into $venv (once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${dbt_pins[@]}"
fi
if [ -z "$duckdb_version" ]; then
  echo "dbt-compat.sh: could not read the DuckDB version from build.rs" >&2; exit 2
fi
if [ "$("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)')" != "$duckdb_version" ]; then
  echo "Installing duckdb==$duckdb_version (mozt's DuckDB) into $venv"
  "$venv/bin/pip" install -q "duckdb==$duckdb_version"
fi
if [ -z "$mozt" ]; then
  echo "Building mozt"
  (cd "$repo_root" && cargo build --quiet)
  mozt="${CARGO_TARGET_DIR:-$repo_root/target}/debug/mozt"
fi
mozt="$(cd "$(dirname "$mozt")" && pwd)/$(basename "$mozt")"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1 DBT_VERSION_CHECK=false

# The bare clone of owner/repo in the cache (made or updated); prints its path.
clone() {
  local slug="$1" dest="$root/repos/${1/\//+}.git" src
  if [ -d "$git_base/${slug/\//+}/repo" ]; then src="$git_base/${slug/\//+}/repo"
  elif [ -d "$git_base/$slug" ]; then src="$git_base/$slug"
  else src="$git_base/$slug"
  fi
  if ! [ -d "$dest" ]; then
    git clone -q --bare "$src" "$dest" >&2
  elif ! git --git-dir="$dest" rev-parse -q --verify "$2^{commit}" >/dev/null; then
    git --git-dir="$dest" fetch -q --tags "$src" '+refs/heads/*:refs/heads/*' >&2
  fi
  echo "$dest"
}

# Extract owner/repo at revision into a new folder.
checkout() {
  local git_dir; git_dir="$(clone "$1" "$2")"
  rm -rf "$3"; mkdir -p "$3"
  git --git-dir="$git_dir" archive --format=tar "$2" | tar -x -C "$3"
}

fill_packages() {
  local copy="$1" src="$2" subdir="$3" packages="$4" entry name what
  [ "$packages" = - ] && return 0
  mkdir -p "$copy/dbt_packages"
  IFS=, read -ra entries <<< "$packages"
  for entry in "${entries[@]}"; do
    name="${entry%%=*}"; what="${entry#*=}"
    if [ "$what" = . ]; then
      mkdir -p "$copy/dbt_packages/$name"
      (cd "$src" && tar -c --exclude="./$subdir" .) | tar -x -C "$copy/dbt_packages/$name"
    else
      checkout "${what%@*}" "${what#*@}" "$copy/dbt_packages/$name"
    fi
  done
}

write_profile() {
  local copy="$1" profile
  profile="$(sed -n "s/^profile:[[:space:]]*['\"]\{0,1\}\([^'\"]*\)['\"]\{0,1\}[[:space:]]*$/\1/p" "$copy/dbt_project.yml")"
  cat > "$copy/profiles.yml" <<EOF
$profile:
  target: compat
  outputs:
    compat:
      type: duckdb
      path: '$copy/warehouse.duckdb'
      threads: 4
EOF
}

# Run seed, run and test with one tool in its copy; each step's run_results.json and log kept.
run_tool() {
  local copy="$1" tool="$2" step
  mkdir -p "$copy/compat"
  for step in seed run test; do
    if [ "$tool" = dbt ]; then
      (cd "$copy" && "$venv/bin/dbt" "$step" --profiles-dir . > "compat/$step.log" 2>&1) || true
    else
      (cd "$copy" && "$mozt" "$step" --profiles-dir . > "compat/$step.log" 2>&1) || true
    fi
    if [ -f "$copy/target/run_results.json" ]; then
      mv "$copy/target/run_results.json" "$copy/compat/run_results_$step.json"
    fi
  done
}

run_project() {
  local name="$1" slug="$2" rev="$3" subdir="$4" packages="$5" work="$root/work/$1" tool copy
  echo "== $name ($slug@$rev, $subdir)"
  checkout "$slug" "$rev" "$work/src"
  for tool in dbt mozt; do
    [ "$tool" = dbt ] && [ "$with_dbt" = 0 ] && [ -d "$work/dbt" ] && continue
    copy="$work/$tool"
    rm -rf "$copy"
    cp -r "$work/src/$subdir" "$copy"
    fill_packages "$copy" "$work/src" "$subdir" "$packages"
    write_profile "$copy"
    if declare -F "setup_$name" >/dev/null; then (cd "$copy" && "setup_$name" "$tool"); fi
    echo "   $tool: seed, run, test"
    run_tool "$copy" "$tool"
  done
  "$venv/bin/python" "$here/dbt_compat_compare.py" "$name" "$work" "$slug@$rev" "$subdir"
}

mkdir -p "$root/work"
while read -r name slug rev subdir packages; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then continue; fi
  run_project "$name" "$slug" "$rev" "$subdir" "$packages"
done <<< "$PROJECTS"
"$venv/bin/python" "$here/dbt_compat_compare.py" --report "$root/work"
