#!/usr/bin/env python3
"""Run one command (or several times) and append its wall time, CPU time and peak memory to a
JSON-lines file.

    python3 benches/measure.py --record results.jsonl --tool mozt --step run --models 1000 \
        --log run.log -- mozt run
    python3 benches/measure.py ... --repeat 5 --set-aside target --trash /tmp/trash -- mozt compile

Wall time is measured around the child process; CPU time (user + system) and peak memory
(maximum resident set size) are the child's own, from wait4(), so they cover the command and
anything it started. CPU time does not grow when other processes compete for the cores, which
wall time does: on a busy machine compare both. With --repeat K the command runs K times
(--set-aside moves a path, such as the target folder, into --trash before each run, so that each
is cold) and the median of each figure is recorded, with every run's wall time. The command's
output goes to --log (the last run's); the first failing exit code is recorded and passed on.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(cmd, log_path):
    """Run cmd once; returns (exit code, wall s, cpu s, peak MB)."""
    with open(log_path, "w") as log:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--step", required=True)
    ap.add_argument("--models", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--set-aside", help="a path to move into --trash before each run")
    ap.add_argument("--trash", help="the folder --set-aside moves into")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd:
        sys.exit("measure.py: no command given (put it after --)")
    if args.set_aside and not args.trash:
        sys.exit("measure.py: --set-aside needs --trash")
    runs = []
    rc = 0
    for _ in range(max(1, args.repeat)):
        if args.set_aside and os.path.exists(args.set_aside):
            os.makedirs(args.trash, exist_ok=True)
            os.rename(args.set_aside, os.path.join(tempfile.mkdtemp(dir=args.trash), "aside"))
        code, wall, cpu, rss = run_once(cmd, args.log)
        runs.append((wall, cpu, rss))
        if code and not rc:
            rc = code
    med = lambda i: statistics.median(r[i] for r in runs)
    row = {
        "tool": args.tool,
        "step": args.step,
        "models": args.models,
        "wall_s": round(med(0), 3),
        "cpu_s": round(med(1), 3),
        "max_rss_mb": round(med(2), 1),
        "rc": rc,
        "cmd": " ".join(cmd),
    }
    if len(runs) > 1:
        row["runs"] = len(runs)
        row["wall_all_s"] = [round(r[0], 3) for r in runs]
    with open(args.record, "a") as f:
        f.write(json.dumps(row) + "\n")
    spread = f"  (median of {len(runs)}: {min(r[0] for r in runs):.2f}-{max(r[0] for r in runs):.2f}s)" if len(runs) > 1 else ""
    print(
        f"  {args.tool:5} {args.step:8} N={args.models:<6} wall {row['wall_s']:8.2f}s  cpu {row['cpu_s']:8.2f}s  "
        f"rss {row['max_rss_mb']:7.1f} MB{spread}" + (f"  FAILED (exit {rc}, see {args.log})" if rc else ""),
        flush=True,
    )
    sys.exit(rc)


if __name__ == "__main__":
    main()
