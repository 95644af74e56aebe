"""Import throughput and memory (issue 3): 1,000,000 Mailgun JSON Lines events and a 1,000,000-row Twilio CSV.

    python benchmarks/bench_import.py [N]

For each file it measures, in the same run and on the same machine:
* the raw baseline: decoding the file with the same libraries (orjson per line / the csv module) and inserting
  a row per record with ``sqlite3.executemany`` into a table of the schema most records land in
  (``noop_records``: the records that trigger nothing; the few triggers go to the ledger);
* the console end to end: ``dnd-console import`` (detection, sha256, parsing, normalizing, dedup, matching,
  hash chain, projection) in a child process, which splits a big plain file across one process per core;
  the peak memory (ru_maxrss) of the main process and of the largest import process are reported.
It prints records/s for both and the ratio (target: >= 100,000 records/s and within 3x of the baseline;
peak memory under 400 MB).
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_parse import write_mailgun, write_twilio
from console.store.db import Store

CONTACTS = 200_000


def make_database(path: Path) -> None:
    """A database whose contacts own some of the generated addresses, so events apply as well as no-op."""
    store = Store(f"sqlite:///{path}")
    store.dispose()
    conn = sqlite3.connect(path)
    rows = (
        (i, 1, f"User {i}", f"user{i}@example.com", f"+1415{i * 37 % 10_000_000:07d}", 0, 0, 0)
        for i in range(1, CONTACTS + 1)
    )
    conn.executemany(
        "INSERT INTO contacts (id, location_id, name, email, phone, created_at_us, updated_at_us, dnd_mask) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()


def events_schema(reference: Path) -> list[str]:
    """The schema of the table most records land in: noop_records (records that trigger nothing)."""
    conn = sqlite3.connect(reference)
    sql = [
        r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'noop_records' AND sql IS NOT NULL")
    ]
    conn.close()
    return sql  # foreign keys are off in a bare sqlite3 connection, so locations need not exist


def baseline(path: Path, kind: str, schema: list[str], folder: Path) -> float:
    """Decode with the same library and executemany the same rows into a table of the ledger's schema."""
    db = folder / f"baseline-{kind}.db"
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for statement in schema:
        conn.execute(statement)
    insert = 'INSERT INTO noop_records (location_id, source, "key", batch_id, at_us, label) VALUES (1, ?, ?, 1, ?, ?)'
    start = time.perf_counter()
    batch: list[tuple[object, ...]] = []
    n = 0
    with path.open("rb") as handle:
        if kind == "mailgun":
            for line in handle:
                item = orjson.loads(line)
                n += 1
                batch.append(
                    ("mailgun", f"{item['id']}@{item['timestamp']}", int(item["timestamp"] * 1e6), item["event"])
                )
                if len(batch) == 10_000:
                    conn.executemany(insert, batch)
                    conn.commit()
                    batch.clear()
        else:
            reader = csv.DictReader(line.decode() for line in handle)
            for row in reader:
                n += 1
                batch.append(("twilio", f"{row['Sid']}:{row['Status']}", n, row["Status"]))
                if len(batch) == 10_000:
                    conn.executemany(insert, batch)
                    conn.commit()
                    batch.clear()
    conn.executemany(insert, batch)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


CHILD = """
import resource, sys, time
from pathlib import Path
from console.importers.pipeline import run_import
from console.store.db import Store
store = Store(sys.argv[1])
start = time.perf_counter()
summary = run_import(store, [Path(sys.argv[2])], location=None, actor="bench")
elapsed = time.perf_counter() - start
d = summary.as_dict()
print(elapsed, d["records"], d["applied"], d["no_effect"], d["duplicates"], d["unmatched"], d["rejected"],
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def console_import(db: Path, path: Path) -> tuple[float, list[int], int, int]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, f"sqlite:///{db}", str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.split()
    return float(out[0]), [int(x) for x in out[1:7]], int(out[7]), int(out[8])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    folder = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="dnd-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    files = {"mailgun": folder / "mailgun-events.jsonl", "twilio": folder / "twilio-messages.csv"}
    for kind, writer in (("mailgun", write_mailgun), ("twilio", write_twilio)):
        if os.environ.get("BENCH_REUSE") and files[kind].exists():
            continue  # the same generated file as the last run (same seed and size)
        with files[kind].open("wb") as out:
            writer(out, n, rng)
    reference = folder / "reference.db"
    reference.unlink(missing_ok=True)
    Store(f"sqlite:///{reference}").dispose()
    schema = events_schema(reference)
    print(f"{n:,} records per file; {CONTACTS:,} contacts; files in {folder}")
    for kind, path in files.items():
        raw = baseline(path, kind, schema, folder)
        db = folder / f"console-{kind}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        make_database(db)
        seconds, counts, rss_kb, child_kb = console_import(db, path)
        records = counts[0]
        print(
            f"{kind:8} {path.stat().st_size / 1e6:6.0f} MB  baseline {n / raw:>9,.0f} rec/s ({raw:5.1f} s)  "
            f"console {records / seconds:>9,.0f} rec/s ({seconds:5.1f} s)  ratio {seconds / raw:4.2f}x  "
            f"peak {rss_kb / 1024:4.0f} MB (parser processes {child_kb / 1024:4.0f} MB)  "
            f"applied {counts[1]:,} no_effect {counts[2]:,} "
            f"duplicates {counts[3]:,} unmatched {counts[4]:,} rejected {counts[5]:,}"
        )
    print(f"(this process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
