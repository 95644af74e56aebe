"""Substring search on a million contacts (issue 11, item 4), against a full-table LIKE scan in the same run.

    python benchmarks/bench_search.py                                   # SQLite; builds /tmp/dnd-bench-search.db
    python benchmarks/bench_search.py --db sqlite:////tmp/search1m.db   # a database built by `dnd-console demo`
    python benchmarks/bench_search.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
        (PostgreSQL: a schema of its own is filled with the demo's contacts, measured and dropped)

One search is what the window does: count the matches, then fetch the first page of 200 by name. Each figure is
the median of ``--repeat`` runs: wall time, and on SQLite, where the query runs in this process, its CPU time too
(the ratio is then of CPU times, which a busy machine's waiting does not inflate). The target is under 200 ms.
The baseline is the same count and page with ``LIKE '%text%'`` on name, email and phone (for a phone part, its
digits on the phone; ``ILIKE`` on PostgreSQL, with index scans turned off), that is a scan of every contact.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import cast
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from console.services.demo import _contact_rows, build_demo
from console.store.contact_list import (
    CONTACTS,
    COUNT_AT_ONCE,
    ContactFilter,
    contact_page,
    count_contacts,
    count_contacts_up_to,
)
from console.store.db import Store

PAGE = 200
DEFAULT_DB = "sqlite:////tmp/dnd-bench-search.db"


def median_ms(repeat: int, work: Callable[[], object]) -> tuple[float, float, object]:
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, result


def indexed_search(store: Store, flt: ContactFilter) -> tuple[int, bool]:
    """What the window does before it shows the list: count up to COUNT_AT_ONCE matches, fetch the first page."""
    with store.read() as session:
        total, exact = count_contacts_up_to(session, flt, COUNT_AT_ONCE)
        contact_page(session, flt, 0, PAGE)
    return total, exact


def full_count(store: Store, flt: ContactFilter) -> int:
    """What the window does after showing a list of more than COUNT_AT_ONCE matches: count them all."""
    with store.read() as session:
        return count_contacts(session, flt)


def like_scan(store: Store, location_id: int, search: str) -> int:
    like = "ILIKE" if store.dialect == "postgresql" else "LIKE"
    where = f"location_id = :loc AND (name {like} :p OR email {like} :p OR phone {like} :d)"
    digits = "".join(ch for ch in search if ch.isdigit())
    phone_like = digits and not search.strip("0123456789+-(). ")
    params = {"loc": location_id, "p": f"%{search}%", "d": f"%{digits if phone_like else search}%"}
    with store.read() as session:
        if store.dialect == "postgresql":
            session.execute(text("SET LOCAL enable_bitmapscan = off"))
            session.execute(text("SET LOCAL enable_indexscan = off"))
        total = int(session.scalar(text(f"SELECT count(*) FROM contacts WHERE {where}"), params) or 0)
        session.execute(text(f"SELECT id, name FROM contacts WHERE {where} ORDER BY name, id LIMIT {PAGE}"), params)
    return total


def fill_postgresql(store: Store, contacts: int) -> None:
    """The demo's contacts (names, emails, phones) without their events, in bulk."""
    rng = random.Random(7)
    with store.write() as session:
        session.execute(text("INSERT INTO locations (id, name, created_at_us) VALUES (2, 'Northside Dental', 0)"))
    for start in range(1, contacts + 1, 50_000):
        rows = list(_contact_rows(start, min(50_000, contacts + 1 - start), [1, 2], rng))
        with store.write() as session:
            session.execute(insert(CONTACTS), rows)
    with store.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE contacts")


def open_store(url: str, contacts: int) -> tuple[Store, Callable[[], None]]:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        fresh = not path.exists()
        store = Store(url)
        if fresh:
            started = time.perf_counter()
            build_demo(store, contacts)
            print(f"built the demo with {contacts:,} contacts in {time.perf_counter() - started:.1f} s: {path}")
        return store, store.dispose

    schema = f"bench_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    store = Store(f"{url}{sep}options={quote(f'-csearch_path={schema}')}")

    def drop() -> None:
        store.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    started = time.perf_counter()
    fill_postgresql(store, contacts)
    print(f"filled schema {schema} with {contacts:,} contacts in {time.perf_counter() - started:.1f} s")
    return store, drop


def searches(session: Session) -> list[tuple[str, str]]:
    """Searches that exist in the data, whatever seed built it."""
    email, phone = session.execute(
        text(
            "SELECT email, phone FROM contacts WHERE location_id = 1 AND email LIKE '%@mail.example.com'"
            " AND phone IS NOT NULL ORDER BY id LIMIT 1 OFFSET 400"
        )
    ).one()
    local = email.split("@")[0]
    digits = phone[-7:]
    return [
        ("name part", "ossi"),
        ("email part", local[2:]),
        ("email domain part", "mail.example.com"),
        ("phone digits part", f"{digits[:3]}-{digits[3:]}"),
        ("phone (415) 2", "(415) 2"),
        ("2 characters", "ro"),
        ("no match", "qxzv"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy URL (SQLite file, or a PostgreSQL database)")
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts to build when the data is new")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    store, close = open_store(args.db, args.contacts)
    try:
        with store.read() as session:
            total = session.scalar(text("SELECT count(*) FROM contacts"))
            wanted = searches(session)
        print(f"{store.dialect}, {total:,} contacts; median of {args.repeat} runs of a count up to"
              f" {COUNT_AT_ONCE:,} + first {PAGE} by name")
        for label, search in wanted:
            flt = ContactFilter(1, search=search)
            wall, cpu, shown = median_ms(args.repeat, lambda f=flt: indexed_search(store, f))
            found, exact = cast(tuple[int, bool], shown)
            base_wall, base_cpu, scanned = median_ms(args.repeat, lambda s=search: like_scan(store, 1, s))
            if store.dialect == "sqlite":  # the query runs in this process: its CPU time does not count waiting
                ratio = cpu / base_cpu
                times = f"{wall:7.1f} ms (cpu {cpu:6.1f})   LIKE scan {base_wall:7.1f} ms (cpu {base_cpu:6.1f})"
            else:
                ratio = wall / base_wall
                times = f"{wall:7.1f} ms   LIKE scan {base_wall:7.1f} ms"
            print(f"{label:18} {search!r:20} {found:>8,} matches {times} ({scanned:,})   ratio {ratio:5.2f}x")
            if not exact:  # shown as "5,000+ contacts (counting...)"; the exact count follows on the worker
                count_wall, count_cpu, counted = median_ms(args.repeat, lambda f=flt: full_count(store, f))
                print(f"{'':18} {'':20} then all {counted:>8,} counted in {count_wall:7.1f} ms (cpu {count_cpu:6.1f})"
                      " after the list is shown")
    finally:
        close()


if __name__ == "__main__":
    main()
