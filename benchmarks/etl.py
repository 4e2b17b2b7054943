"""Benchmark: a full ETL build from the CBS mirror. Prints wall time and peak memory.

Target on the 2-core CI machine: under 30 s and under 1 GB peak (resident set size).
Runs the real CLI in a child process, so the figures are those of a user's `zow etl`.

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


def one_build(mirror: Path, store: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one `zow etl --mirror` in a fresh child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "zow", "etl", "--mirror", str(mirror), "--store", str(store),
         "--cache-dir", str(store.parent / "cache")],
        cwd=ROOT, check=True, capture_output=True,
    )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: report it as an upper bound.
    return seconds, max(peak_kb, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=ROOT.parent / "shared" / "cbs-mirror")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.mirror / "README.md").exists():
        sys.exit(f"mirror not found: {args.mirror}")
    times, peaks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "zow.duckdb"
        for run in range(args.runs):
            seconds, peak = one_build(args.mirror, store)
            times.append(seconds)
            peaks.append(peak)
            print(f"run {run + 1}: {seconds:6.2f} s, peak {peak:7.1f} MB")
        size = store.stat().st_size / 1e6
    print(f"ETL from mirror: median {statistics.median(times):.2f} s (target < 30 s), "
          f"peak RSS {max(peaks):.0f} MB (target < 1024 MB), store {size:.1f} MB")


if __name__ == "__main__":
    main()
