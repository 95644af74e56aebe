"""Import throughput and memory: a typical export, and a Mailgun file at any share of DND triggers.

    python benchmarks/bench_import.py [N]                        # N typical Mailgun events and N Twilio rows
    python benchmarks/bench_import.py --mix 3,31,100 [--events 300000] [--contacts 100000] [--pg URL]

Typical files (issue 3): for each file it measures, in the same run and on the same machine,
* the raw baseline: decoding the file with the same libraries (orjson per line / the csv module) and inserting
  a row per record with ``sqlite3.executemany`` into a table of the schema most records land in
  (``noop_records``: the records that trigger nothing; the few triggers go to the ledger);
* the console end to end: ``run_import`` (detection, sha256, parsing, normalizing, dedup, matching,
  hash chain, projection) in a child process, which splits a big plain file across one process per core;
  the peak memory (ru_maxrss) of the main process and of the largest import process are reported.

Trigger mixes (issue 12): ``--events`` Mailgun events for ``--contacts`` contacts, of which the given percentages
are DND triggers (bounces, unsubscribes, complaints), the rest deliveries, opens, clicks and temporary failures.
For each mix, in the same run: the floor (orjson decode + ``sqlite3.executemany`` of five fields per record),
a pandas peer (``pandas.read_json(lines=True)`` + ``to_sql`` of the same five fields, no rules; skipped when
pandas is not installed) and the console; it prints records/s and the ratios (targets: >= 100,000 records/s,
within 3x of the floor, faster than the peer, peak memory under 400 MB). With ``--pg URL`` it also imports each
mix into a fresh PostgreSQL schema and compares with a psycopg ``COPY`` of the same five fields.
"""

from __future__ import annotations

import base64
import csv
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_parse import write_mailgun, write_twilio
from console.store.db import Store

CONTACTS = 200_000


def contact_rows(count: int) -> Iterator[tuple[object, ...]]:
    return (
        (i, 1, f"User {i}", f"user{i}@example.com", f"+1415{i * 37 % 10_000_000:07d}", 0, 0, 0)
        for i in range(1, count + 1)
    )


def make_database(path: Path, contacts: int = CONTACTS) -> None:
    """A database whose contacts own some of the generated addresses, so events apply as well as no-op."""
    store = Store(f"sqlite:///{path}")
    store.dispose()
    conn = sqlite3.connect(path)
    rows = contact_rows(contacts)
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
# VmHWM: this process's own peak (ru_maxrss would carry over the peak of the benchmark that started it)
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(elapsed, d["records"], d["applied"], d["no_effect"], d["duplicates"], d["unmatched"], d["rejected"],
      peak_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def console_import(db: Path | str, path: Path) -> tuple[float, list[int], int, int]:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.split()
    return float(out[0]), [int(x) for x in out[1:7]], int(out[7]), int(out[8])


def main() -> None:
    if "--mix" in sys.argv:
        mixes_main()
        return
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


#: DND triggers and records that trigger nothing, with their relative weights in a generated file.
TRIGGERS = [
    ("failed", "permanent", "bounce", 3),
    ("failed", "permanent", "suppress-bounce", 2),
    ("unsubscribed", None, None, 1),
    ("complained", None, None, 1),
]
NO_EFFECT = [
    ("delivered", None, None, 50),
    ("opened", None, None, 20),
    ("clicked", None, None, 8),
    ("accepted", None, None, 10),
    ("failed", "temporary", "generic", 4),
    ("failed", "permanent", "old", 1),
]


def write_mix(
    out: IO[bytes], n: int, contacts: int, share: float, rng: random.Random, random_ids: bool = False
) -> None:
    """``n`` Mailgun events for ``contacts`` recipients, ``share`` of them DND triggers; event ids in file order,
    or with ``random_ids`` random 22-character ids as Mailgun's own are (keys then land anywhere in the indexes)."""
    base = 1_709_287_200.0
    triggers, quiet = TRIGGERS, NO_EFFECT
    trigger_weights, quiet_weights = [t[3] for t in triggers], [t[3] for t in quiet]
    for i in range(n):
        table, weights = (triggers, trigger_weights) if rng.random() < share else (quiet, quiet_weights)
        event, severity, reason, _ = rng.choices(table, weights=weights)[0]
        item: dict[str, object] = {
            "event": event,
            "id": base64.urlsafe_b64encode(rng.randbytes(16)).decode()[:22] if random_ids else f"{i:022d}",
            "timestamp": round(base + i * 0.37, 6),
            "log-level": "info",
            "recipient": f"user{rng.randrange(contacts)}@example.com",
            "recipient-domain": "example.com",
            "message": {"headers": {"message-id": f"{i}.AAA@mg.example.com", "subject": "Hello"}},
            "delivery-status": {"code": 250, "message": "OK", "attempt-no": 1, "description": ""},
            "flags": {"is-routed": False, "is-authenticated": True},
            "tags": [],
            "user-variables": {},
        }
        if severity:
            item["severity"] = severity
            item["reason"] = reason
        out.write(orjson.dumps(item) + b"\n")


FIVE = "CREATE TABLE floor (source TEXT NOT NULL, key TEXT NOT NULL, at_us BIGINT NOT NULL, address TEXT, label TEXT)"


def five_fields(path: Path) -> Iterator[tuple[Any, ...]]:
    """(source, key, at_us, address, event) of each line, decoded with orjson."""
    loads = orjson.loads
    with path.open("rb") as handle:
        for line in handle:
            item = loads(line)
            key = f"{item['id']}@{item['timestamp']}"
            yield "mailgun", key, int(item["timestamp"] * 1e6), item["recipient"], item["event"]


def sqlite_floor(path: Path, folder: Path) -> float:
    """orjson decode + ``sqlite3.executemany`` of five fields per record, 10,000 rows per transaction."""
    db = folder / "floor.db"
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(FIVE)
    conn.execute("CREATE UNIQUE INDEX floor_key ON floor (source, key)")
    start = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    for row in five_fields(path):
        batch.append(row)
        if len(batch) == 10_000:
            conn.executemany("INSERT INTO floor VALUES (?, ?, ?, ?, ?)", batch)
            conn.commit()
            batch.clear()
    conn.executemany("INSERT INTO floor VALUES (?, ?, ?, ?, ?)", batch)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def pandas_peer(path: Path, folder: Path) -> float | None:
    """``pandas.read_json(lines=True)`` + ``to_sql`` of the same five fields, no rules; None without pandas."""
    try:
        import pandas
    except ImportError:
        return None
    db = folder / "pandas.db"
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    start = time.perf_counter()
    frame = pandas.read_json(path, lines=True, dtype=False, convert_dates=False)
    five = pandas.DataFrame(
        {
            "source": "mailgun",
            "key": frame["id"].astype(str) + "@" + frame["timestamp"].astype(str),
            "at_us": (frame["timestamp"] * 1e6).astype("int64"),
            "address": frame["recipient"],
            "label": frame["event"],
        }
    )
    five.to_sql("floor", conn, index=False, chunksize=10_000)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def pg_copy_floor(url: str, path: Path) -> float:
    """orjson decode + a psycopg ``COPY`` of the same five fields into a table of the benchmark's schema."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        conn.execute(FIVE.replace("TABLE floor", "TABLE IF NOT EXISTS floor"))
        conn.execute("TRUNCATE floor")
        conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS floor_key ON floor (source, key)")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy("COPY floor (source, key, at_us, address, label) FROM STDIN") as copy:
            for row in five_fields(path):
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def pg_database(base: str, contacts: int) -> tuple[str, str]:
    """A fresh schema with the console's tables and ``contacts`` contacts; (schema, URL)."""
    from benchmarks.load_team import make_schema

    schema, url = make_schema(base)
    Store(url).dispose()
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        columns = "id, location_id, name, email, phone, created_at_us, updated_at_us, dnd_mask"
        with cursor.copy(f"COPY contacts ({columns}) FROM STDIN") as copy:
            for row in contact_rows(contacts):
                copy.write_row(row)
        cursor.execute("SELECT setval(pg_get_serial_sequence('contacts', 'id'), %s)", (contacts,))
        cursor.execute("ANALYZE")
    return schema, url


def mixes_main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mix", default="3,31,100", help="percentages of DND triggers, comma-separated")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pg", default=None, help="also import into PostgreSQL at this URL (a fresh schema)")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--random-ids", action="store_true",
                        help="random event ids, as Mailgun's are (default: ids in file order)")
    args = parser.parse_args()
    folder = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="dnd-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{args.events:,} Mailgun events for {args.contacts:,} contacts per mix; files in {folder}")
    for percent in [float(p) for p in args.mix.split(",")]:
        ids = "-random-ids" if args.random_ids else ""
        path = folder / f"mailgun-{args.events}-{args.contacts}-{percent:g}{ids}.jsonl"
        if not (os.environ.get("BENCH_REUSE") and path.exists()):
            with path.open("wb") as out:
                write_mix(out, args.events, args.contacts, percent / 100, random.Random(12), args.random_ids)
        if not args.no_sqlite:
            floor = sqlite_floor(path, folder)
            peer = pandas_peer(path, folder)
            db = folder / "console-mix.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            make_database(db, args.contacts)
            seconds, counts, rss_kb, child_kb = console_import(db, path)
            peer_text = "pandas not installed"
            if peer is not None:
                peer_text = f"pandas peer {args.events / peer:>7,.0f} rec/s ({peer:4.1f} s)"
                peer_text += f", console {peer / seconds:4.2f}x as fast"
            print(
                f"sqlite   {percent:5g} % triggers: console {counts[0] / seconds:>7,.0f} rec/s ({seconds:4.1f} s)  "
                f"floor {args.events / floor:>7,.0f} rec/s ({floor:4.2f} s) ratio {seconds / floor:4.2f}x  "
                f"{peer_text}  peak {rss_kb / 1024:4.0f} MB (parsers {child_kb / 1024:4.0f} MB)  "
                f"applied {counts[1]:,} no_effect {counts[2]:,} unmatched {counts[4]:,}"
            )
        if args.pg:
            from benchmarks.load_team import drop_schema

            schema, url = pg_database(args.pg, args.contacts)
            try:
                seconds, counts, rss_kb, child_kb = console_import(url, path)
                copy = pg_copy_floor(url, path)
            finally:
                drop_schema(args.pg, schema)
            print(
                f"postgres {percent:5g} % triggers: console {counts[0] / seconds:>7,.0f} rec/s ({seconds:4.1f} s)  "
                f"COPY {args.events / copy:>7,.0f} rec/s ({copy:4.2f} s) ratio {seconds / copy:4.2f}x  "
                f"peak {rss_kb / 1024:4.0f} MB (parsers {child_kb / 1024:4.0f} MB)  applied {counts[1]:,}"
            )


if __name__ == "__main__":
    main()
