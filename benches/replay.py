#!/usr/bin/env python3
"""Replay, serially on one DuckDB connection, the statements a mozt run logged, and print how long
DuckDB alone took to execute them: the floor a scheduler cannot beat without running statements
in parallel. benches/compare.sh compares `mozt run`'s wall time against it.

    MOZT_LOG=mozt=debug mozt run --log-format json 2> sql.jsonl
    python replay.py copy_of_the_seeded_database.duckdb sql.jsonl

Needs the `duckdb` Python package (the benchmark venv has it, as dbt-duckdb depends on it).
Prints one JSON line: {"statements": N, "execute_s": S, "duckdb": version, "slowest": [...]}.
"""

import json
import sys
import time

import duckdb

SQL_START = {"select", "with", "create", "drop", "alter", "begin", "commit", "rollback", "insert", "update",
             "delete", "merge", "set", "use", "copy", "truncate", "pragma", "call", "describe", "show"}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: replay.py <database.duckdb> <sql log: JSON lines of --log-format json>")
    db, log = sys.argv[1], sys.argv[2]
    statements = []
    for line in open(log, encoding="utf-8"):
        try:
            msg = json.loads(line)["fields"]["message"]
        except (ValueError, KeyError, TypeError):
            continue
        # Debug logging also carries mozt's own messages ("parsed 120 nodes in ..."): keep SQL only.
        words = msg.split(None, 1)
        if words and words[0].lower() in SQL_START:
            statements.append(msg)
    if not statements:
        sys.exit(f"{log} holds no logged SQL (run mozt with MOZT_LOG=mozt=debug and --log-format json)")
    conn = duckdb.connect(db)
    timings = []
    start = time.perf_counter()
    for sql in statements:
        t = time.perf_counter()
        conn.execute(sql)
        timings.append((time.perf_counter() - t, sql))
    total = time.perf_counter() - start
    conn.close()
    timings.sort(key=lambda x: -x[0])
    slowest = [{"s": round(s, 4), "sql": " ".join(sql.split())[:120]} for s, sql in timings[:3]]
    print(json.dumps({"statements": len(statements), "execute_s": round(total, 4), "duckdb": duckdb.__version__,
                      "slowest": slowest}))


if __name__ == "__main__":
    main()
