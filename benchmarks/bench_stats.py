"""The overview's figures (``stats``) on a large database, against a raw ``SELECT count(*)`` baseline.

    dnd-console demo --contacts 1000000 --db sqlite:////tmp/insight1m.db      # about 40 s, once
    python benchmarks/bench_stats.py --db sqlite:////tmp/insight1m.db

Prints the first (cold) and the median of further ``overview()`` calls (every figure of ``stats --json``,
one read transaction each), the raw baseline measured in the same run, and the ratio of the two.
Target: the overview under 1 s on 1,000,000 contacts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from console.services.context import AppContext, Settings
from console.services.stats import overview
from console.store.db import Store

DEFAULT_DB = "sqlite:////tmp/insight1m.db"


def timed(call: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each call (the CPU time shows what a busy machine adds)."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--location", default=None)
    args = parser.parse_args()
    store = Store(args.db)
    app = AppContext(Settings(db_url=args.db), _store=store)

    def baseline() -> None:
        with store.read() as session:
            session.execute(text("SELECT count(*) FROM contacts")).scalar_one()

    def figures() -> None:
        overview(app, args.location)

    cold = timed(figures, 1)[0][0]
    warm, warm_cpu = timed(figures, args.runs)
    raw, _ = timed(baseline, args.runs)
    result = overview(app, args.location)
    with store.read() as session:
        total = session.execute(text("SELECT count(*) FROM contacts")).scalar_one()
    print(f"database: {total:,} contacts ({result.contacts:,} in {result.location})")
    print(
        f"overview (stats --json): first {cold * 1000:.0f} ms, median {statistics.median(warm) * 1000:.0f} ms"
        f" (CPU {statistics.median(warm_cpu) * 1000:.0f} ms) over {args.runs} runs  (target < 1000 ms)"
    )
    base = statistics.median(raw)
    print(f"baseline SELECT count(*) FROM contacts: median {base * 1000:.1f} ms")
    print(f"ratio overview / baseline: {statistics.median(warm) / base:.1f}x")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    store.dispose()


if __name__ == "__main__":
    main()
