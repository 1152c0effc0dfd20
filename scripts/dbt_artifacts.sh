#!/usr/bin/env bash
# Check mozt's artifacts against dbt's published schemas with dbt-artifacts-parser (PyPI),
# installed once into a venv outside the repo, as the Snowflake emulator is.
#
#   scripts/dbt_artifacts.sh install            # make the venv (once; reused while its pin matches)
#   scripts/dbt_artifacts.sh check DIR [FILE]   # parse DIR's manifest.json, run_results.json,
#                                               # sources.json, catalog.json (or the FILEs named)
#
# check prints one line per file and the fields a schema rejects; exits 1 when one does not
# parse. Settings: MOZT_CACHE_DIR (default ~/.cache/mozt); the venv is $MOZT_CACHE_DIR/artifacts-venv.
set -euo pipefail

PARSER_VERSION=0.15.0

cache="${MOZT_CACHE_DIR:-$HOME/.cache/mozt}"
venv="$cache/artifacts-venv"
pins="dbt-artifacts-parser==$PARSER_VERSION"
here="$(cd "$(dirname "$0")" && pwd)"

install() {
    if [[ -x "$venv/bin/python" && "$(cat "$venv/.mozt-pins" 2>/dev/null)" == "$pins" ]]; then
        return
    fi
    echo "dbt_artifacts: installing $pins into $venv" >&2
    rm -rf "$venv"
    mkdir -p "$cache"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$pins" >&2
    echo "$pins" >"$venv/.mozt-pins"
}

case "${1:-}" in
    install)
        install
        ;;
    check)
        shift
        install
        exec "$venv/bin/python" "$here/dbt_artifacts.py" "$@"
        ;;
    *)
        echo "usage: $0 install | check DIR [FILE ...]" >&2
        exit 2
        ;;
esac
