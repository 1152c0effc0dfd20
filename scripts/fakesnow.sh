#!/usr/bin/env bash
# Start or stop the local Snowflake emulator (PyPI `fakesnow`, DuckDB underneath) that the
# Snowflake integration tests (tests/snowflake_*.rs) talk to over Snowflake's HTTP protocol.
#
#   scripts/fakesnow.sh start   # install into a venv (once), start on 127.0.0.1, wait until it answers
#   scripts/fakesnow.sh stop    # stop the emulator this script started (by its PID)
#   scripts/fakesnow.sh url     # print the base URL (for MOZT_FAKESNOW_URL)
#
# Settings: MOZT_FAKESNOW_PORT (default 8765), MOZT_CACHE_DIR (default ~/.cache/mozt).
# The venv lives under $MOZT_CACHE_DIR/fakesnow-venv and is reused when its pins match.
set -euo pipefail

FAKESNOW_VERSION=0.12.1
CONNECTOR_VERSION=4.8.1

cache="${MOZT_CACHE_DIR:-$HOME/.cache/mozt}"
venv="$cache/fakesnow-venv"
port="${MOZT_FAKESNOW_PORT:-8765}"
run_dir="$cache/fakesnow-run"
pid_file="$run_dir/fakesnow-$port.pid"
log_file="$run_dir/fakesnow-$port.log"
url="http://127.0.0.1:$port"
pins="fakesnow[server]==$FAKESNOW_VERSION snowflake-connector-python==$CONNECTOR_VERSION"

install() {
    if [[ -x "$venv/bin/fakesnow" && "$(cat "$venv/.mozt-pins" 2>/dev/null)" == "$pins" ]]; then
        return
    fi
    echo "fakesnow: installing $pins into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "fakesnow[server]==$FAKESNOW_VERSION" "snowflake-connector-python==$CONNECTOR_VERSION"
    echo "$pins" >"$venv/.mozt-pins"
}

answers() {
    # Any HTTP answer (even 404) means the server is up.
    python3 - "$url" <<'EOF'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1] + "/", timeout=1)
except urllib.error.HTTPError:
    pass
except Exception:
    sys.exit(1)
EOF
}

start() {
    install
    mkdir -p "$run_dir"
    if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null && answers; then
        echo "fakesnow: already running at $url (pid $(cat "$pid_file"))" >&2
        echo "$url"
        return
    fi
    if answers; then
        echo "fakesnow: port $port is taken by another process; set MOZT_FAKESNOW_PORT" >&2
        exit 1
    fi
    # Each start is a fresh in-memory database.
    nohup "$venv/bin/fakesnow" -s --host 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
    echo $! >"$pid_file"
    for _ in $(seq 1 150); do
        if answers; then
            echo "fakesnow: running at $url (pid $(cat "$pid_file"), log $log_file)" >&2
            echo "$url"
            return
        fi
        if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
            echo "fakesnow: the emulator exited; its log:" >&2
            cat "$log_file" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "fakesnow: no answer at $url after 30 s; its log:" >&2
    cat "$log_file" >&2
    stop
    exit 1
}

stop() {
    if [[ -f "$pid_file" ]]; then
        local pid
        pid="$(cat "$pid_file")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        fi
        rm -f "$pid_file"
        echo "fakesnow: stopped (pid $pid)" >&2
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) echo "$url" ;;
    install) install ;;
    *)
        echo "usage: $0 start|stop|url|install" >&2
        exit 2
        ;;
esac
