#!/usr/bin/env python3
"""Run one command and append its wall time, CPU time and peak memory to a JSON-lines file.

    python3 benches/measure.py --record results.jsonl --tool mozt --step run --models 1000 \
        --log run.log -- mozt run

Wall time is measured around the child process; CPU time (user + system) and peak memory
(maximum resident set size) come from getrusage(RUSAGE_CHILDREN) once the child has exited, so
they cover the command and anything it started. CPU time does not grow when other processes
compete for the cores, which wall time does: on a busy machine compare both. The command's
output goes to --log; the exit code is recorded and passed on.
"""

import argparse
import json
import resource
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--step", required=True)
    ap.add_argument("--models", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd:
        sys.exit("measure.py: no command given (put it after --)")
    with open(args.log, "w") as log:
        start = time.perf_counter()
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = {
        "tool": args.tool,
        "step": args.step,
        "models": args.models,
        "wall_s": round(wall, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
        "max_rss_mb": round(ru.ru_maxrss / 1024, 1),
        "rc": rc,
        "cmd": " ".join(cmd),
    }
    with open(args.record, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(
        f"  {args.tool:5} {args.step:8} N={args.models:<6} wall {wall:8.2f}s  cpu {row['cpu_s']:8.2f}s  "
        f"rss {row['max_rss_mb']:7.1f} MB" + (f"  FAILED (exit {rc}, see {args.log})" if rc else ""),
        flush=True,
    )
    sys.exit(rc)


if __name__ == "__main__":
    main()
