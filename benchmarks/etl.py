"""Benchmark: a full ETL build from the CBS mirror. Prints wall time, CPU time and peak memory.

Target on the 2-core CI machine: under 30 s and under 1 GB peak (resident set size).
Runs the real CLI in a child process, so the figures are those of a user's `zow etl`. On a
machine shared with other work, the CPU time (user + system) is the steadier figure.

    python benchmarks/etl.py [--mirror ../shared/cbs-mirror] [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_build(mirror: Path, store: Path) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak MB) of one `zow etl --mirror` in a fresh child process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "zow", "etl", "--mirror", str(mirror), "--store", str(store),
         "--cache-dir", str(store.parent / "cache")],
        cwd=ROOT, check=True, capture_output=True,
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    # ru_maxrss of children is the max over all children so far: report it as an upper bound.
    return seconds, cpu, max(usage.ru_maxrss, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=ROOT.parent / "shared" / "cbs-mirror")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.mirror / "README.md").exists():
        sys.exit(f"mirror not found: {args.mirror}")
    times, cpus, peaks = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "zow.duckdb"
        for run in range(args.runs):
            seconds, cpu, peak = one_build(args.mirror, store)
            times.append(seconds)
            cpus.append(cpu)
            peaks.append(peak)
            print(f"run {run + 1}: {seconds:6.2f} s, CPU {cpu:6.2f} s, peak {peak:7.1f} MB")
        size = store.stat().st_size / 1e6
    print(f"ETL from mirror: median {statistics.median(times):.2f} s (target < 30 s), "
          f"CPU {statistics.median(cpus):.2f} s, peak RSS {max(peaks):.0f} MB "
          f"(target < 1024 MB), store {size:.1f} MB")


if __name__ == "__main__":
    main()
