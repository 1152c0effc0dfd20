#!/usr/bin/env python3
"""Print two reference timings of this machine, to tell its fast spells from its slow ones.

A shared virtual machine can run the same code at very different speeds minutes apart. Two
references, taken before and after a benchmark, show which state it was in:
- a pure-Python loop (branchy, cache-bound code, like a compiler's): slows down in slow spells;
- SHA-256 of 300 MB (the CPU's SHA instructions, streaming): barely moves.
Usage: python3 benches/machine_speed.py [label]
"""

import hashlib
import sys
import time


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "now"
    data = b"x" * 300_000_000
    start = time.perf_counter()
    hashlib.sha256(data).digest()
    sha = time.perf_counter() - start
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i * i
    loop = time.perf_counter() - start
    print(f"machine speed ({label}, {time.strftime('%H:%M:%S', time.gmtime())} UTC): "
          f"python loop {loop:.2f}s (fast spell ~0.6, slow ~1.1), sha256 300MB {sha:.2f}s")


if __name__ == "__main__":
    main()
