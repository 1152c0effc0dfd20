#!/usr/bin/env python3
"""Print the markdown tables of a benches/compare.sh run from its results.jsonl.

    python3 benches/report.py /tmp/mozt-bench/results.jsonl
"""

import json
import sys

STEPS = ["parse", "compile", "seed", "run", "test"]


def fmt_s(x):
    return "-" if x is None else (f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}")


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return "-"
    r = a / b
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "results.jsonl"
    rows = [json.loads(line) for line in open(path) if line.strip()]
    # The last measurement of each (tool, step, models) wins, so a partial re-run updates a table.
    by = {}
    for r in rows:
        by[(r["tool"], r["step"], r["models"])] = r
    sizes = sorted({r["models"] for r in rows})

    def get(tool, step, n, field):
        r = by.get((tool, step, n))
        if r is None or r.get("rc"):
            return None
        return r[field]

    def cell(tool, step, n, field):
        r = by.get((tool, step, n))
        if r is None:
            return "skipped"
        if r.get("rc"):
            return f"failed ({r['rc']})"
        return fmt_s(r[field]) if field != "max_rss_mb" else f"{r[field]:.0f}"

    print("| models | command | mozt wall s | dbt wall s | dbt/mozt wall | mozt CPU s | dbt CPU s | dbt/mozt CPU "
          "| mozt peak MB | dbt peak MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for step in STEPS:
            if (("mozt", step, n) not in by) and (("dbt", step, n) not in by):
                continue
            print(
                f"| {n:,} | {step} | {cell('mozt', step, n, 'wall_s')} | {cell('dbt', step, n, 'wall_s')} "
                f"| {ratio(get('dbt', step, n, 'wall_s'), get('mozt', step, n, 'wall_s'))} "
                f"| {cell('mozt', step, n, 'cpu_s')} | {cell('dbt', step, n, 'cpu_s')} "
                f"| {ratio(get('dbt', step, n, 'cpu_s'), get('mozt', step, n, 'cpu_s'))} "
                f"| {cell('mozt', step, n, 'max_rss_mb')} | {cell('dbt', step, n, 'max_rss_mb')} |"
            )
    repeated = sorted({(r["tool"], r["step"], r["runs"]) for r in by.values() if r.get("runs")})
    if repeated:
        print()
        print("Medians of several runs: " + "; ".join(f"{t} {s} ({k} runs)" for t, s, k in repeated)
              + ". Every run's wall time is in results.jsonl (`wall_all_s`).")
    replays = [n for n in sizes if ("duckdb", "replay", n) in by]
    if replays:
        print()
        print("| models | statements | mozt run wall s | DuckDB alone s (serial replay) | mozt run / DuckDB alone "
              "| overhead |")
        print("|---:|---:|---:|---:|---:|---:|")
        for n in replays:
            rep = by[("duckdb", "replay", n)]
            run = get("mozt", "run", n, "wall_s")
            ex = rep.get("execute_s")
            over = "-" if run is None or not ex else f"{(run / ex - 1) * 100:+.0f}%"
            r = "-" if run is None or not ex else f"{run / ex:.2f}"
            print(f"| {n:,} | {rep.get('statements', '-')} | {fmt_s(run)} | {fmt_s(ex)} | {r} | {over} |")


if __name__ == "__main__":
    main()
