"""Core latency benchmark (issue 2): can_send and an agent action on a large database.

    python benchmarks/bench_core.py --contacts 1000000            # builds /tmp/dnd-bench-core.db first
    python benchmarks/bench_core.py --db sqlite:////path/to.db    # reuse a database built by `dnd-console demo`

Prints the demo build time, then median / p95 / max of can_send (library API, one Session per call) and of
recording an agent's toggle (one write transaction: check, ledger append, projection update).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from console.domain.channels import CHANNEL_ORDER, Channel
from console.services.demo import build_demo
from console.store.actions import set_dnd
from console.store.db import Store
from console.store.models import Contact
from console.store.queries import can_send


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"median {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, "
        f"max {ordered[-1] * 1000:.3f} ms over {len(ordered)} calls"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    url = args.db
    if url is None:
        path = Path("/tmp/dnd-bench-core.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        store = Store(url)
        started = time.perf_counter()
        build_demo(store, contacts=args.contacts)
        print(f"demo --contacts {args.contacts}: built in {time.perf_counter() - started:.1f} s")
    else:
        store = Store(url)
    with store.read() as session:
        max_id = session.scalar(select(func.max(Contact.id))) or 0
        total = session.scalar(select(func.count()).select_from(Contact)) or 0
    print(f"database: {total:,} contacts")
    rng = random.Random(1)
    samples: list[float] = []
    for _ in range(args.calls):
        cid, channel = rng.randint(1, max_id), rng.choice(CHANNEL_ORDER)
        start = time.perf_counter()
        with store.read() as session:
            can_send(session, cid, channel)
        samples.append(time.perf_counter() - start)
    print(f"can_send: {figures(samples)}  (target < 1 ms)")
    samples = []
    for n in range(min(args.calls, 500)):
        cid = rng.randint(1, max_id)
        start = time.perf_counter()
        with store.write() as session:
            contact = session.get(Contact, cid)
            assert contact is not None
            set_dnd(session, contact, [Channel.CALL], n % 2 == 0, "bench")
        samples.append(time.perf_counter() - start)
    print(f"agent toggle + recompute: {figures(samples)}  (target < 10 ms)")


if __name__ == "__main__":
    main()
