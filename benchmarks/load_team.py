"""Team-mode load test (issue 6): many agents and one big import on one PostgreSQL database at once.

    python benchmarks/load_team.py [URL] [--seconds 60] [--agents 20] [--events 200000] [--contacts 20000]

URL defaults to $DND_CONSOLE_TEST_PG or the test server (postgresql+psycopg://postgres@127.0.0.1:5432/test);
the run works in a fresh schema of its own, dropped at the end (``--keep`` keeps it).

Each simulated agent is a thread with its own Store (own connections): it looks at a random contact's
channel, then toggles it with the version it saw (optimistic check), for ``--seconds``. Meanwhile one import
of ``--events`` generated Mailgun events runs in a process of its own, as the window runs it
(``run_import_isolated``; ``--in-process`` runs it on a thread of this process instead). Then it checks:

* no unhandled error (a Conflict, or a refusal by the rules, is a handled outcome);
* no lost update: no two toggles succeeded from the same version of a channel; every successful toggle is
  in the ledger (per agent); every stored channel state equals a replay of the ledger;
* every import record accounted: applied + no_effect + duplicates + unmatched + rejected == records;
* the audit chain is intact.

It prints changes/s, import records/s and action latency (p50 / p95 / max). Exit 0 when every check holds.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_parse import write_mailgun
from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.events import now_us
from console.domain.state import replay
from console.errors import Conflict
from console.importers.isolated import run_import_isolated
from console.importers.pipeline import run_import
from console.importers.summary import ImportSummary
from console.store.actions import set_dnd
from console.store.audit import verify_chain
from console.store.db import Store
from console.store.models import ChannelStateRow, Contact, LedgerEntry
from console.store.queries import channel_states
from console.store.tables import LIVE, channel_address, event_from_row, state_from_row

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class AgentLog:
    name: str
    ok: int = 0  # toggles that changed a channel
    conflicts: int = 0
    refused: int = 0  # the rules said no (a locked channel)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    #: (contact, channel, version the agent saw) of each successful toggle
    wins: list[tuple[int, str, int]] = field(default_factory=list)


def make_schema(base: str) -> tuple[str, str]:
    name = f"load_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return name, f"{base}{sep}options={quote(f'-csearch_path={name}')}"


def drop_schema(base: str, name: str) -> None:
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def seed_contacts(store: Store, count: int) -> None:
    """Contacts owning user0..user{count-1}@example.com, the addresses the generated events use."""
    now = now_us()
    with store.write() as session:
        for start in range(0, count, 10_000):
            session.execute(
                insert(Contact),
                [
                    {
                        "location_id": 1,
                        "name": f"User {i}",
                        "email": f"user{i}@example.com",
                        "phone": f"+1415{i * 37 % 10_000_000:07d}",
                        "created_at_us": now,
                        "updated_at_us": now,
                        "dnd_mask": 0,
                    }
                    for i in range(start, min(count, start + 10_000))
                ],
            )


def lock_probe(url: str, waits: list[float], deadline: float) -> None:
    """Every 50 ms, how long a writer waits for the chain's lock (what the import makes agents wait for)."""
    engine = create_engine(url)
    try:
        while time.monotonic() < deadline:
            with engine.begin() as conn:
                started = time.perf_counter()
                conn.execute(text("SELECT last_id FROM chain_head WHERE id = 1 FOR UPDATE"))
                waits.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        engine.dispose()


def agent_loop(url: str, log: AgentLog, contact_ids: list[int], deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    store = Store(url, migrate=False)
    try:
        while time.monotonic() < deadline:
            contact_id = rng.choice(contact_ids)
            channel = rng.choice(CHANNEL_ORDER)
            try:
                with store.read() as session:
                    seen = channel_states(session, contact_id)[channel]
                started = time.perf_counter()
                try:
                    with store.write() as session:
                        contact = session.get(Contact, contact_id)
                        assert contact is not None
                        result = set_dnd(
                            session,
                            contact,
                            [channel],
                            not seen.state.dnd,
                            log.name,
                            note="load test",
                            provider_cleared=seen.state.dnd,  # the agent confirmed the provider's list is clean
                            expected_versions={channel: seen.version},
                        )
                    if result.changed:
                        log.ok += 1
                        log.wins.append((contact_id, channel.value, seen.version))
                    else:
                        log.refused += 1
                except Conflict:
                    log.conflicts += 1
                log.latencies.append(time.perf_counter() - started)
            except Exception:
                log.errors.append(traceback.format_exc())
                if len(log.errors) > 20:
                    return
    finally:
        store.dispose()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def check_replay(store: Store) -> tuple[int, list[str]]:
    """Every stored channel state (and every channel with events but no state) equals the ledger's replay."""
    problems: list[str] = []
    with store.read() as session:
        contacts = {cid: (email, phone) for cid, email, phone in session.execute(
            select(Contact.id, Contact.email, Contact.phone))}
        by_contact: dict[tuple[int, str], list[Any]] = defaultdict(list)
        by_address: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for row in session.execute(select(LedgerEntry.__table__).where(LIVE)):
            if row.contact_id is not None:
                by_contact[(row.contact_id, row.channel)].append(row)
            elif row.address:
                by_address[(row.channel, row.address)].append(row)
        stored = {(r.contact_id, r.channel): r for r in session.scalars(select(ChannelStateRow))}
        masks = dict(session.execute(select(Contact.id, Contact.dnd_mask)).all())
    pairs = set(stored) | set(by_contact)
    owners: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cid, (email, phone) in contacts.items():
        for channel in CHANNEL_ORDER:
            address = channel_address(channel, email, phone)
            if address:
                owners[(channel.value, address)].append(cid)
    for channel_value, address in by_address:
        pairs.update((cid, channel_value) for cid in owners.get((channel_value, address), ()))
    checked = 0
    expected_masks: dict[int, int] = defaultdict(int)
    for cid, channel_value in sorted(pairs):
        channel = Channel(channel_value)
        email, phone = contacts[cid]
        address = channel_address(channel, email, phone)
        rows = by_contact.get((cid, channel_value), []) + (
            by_address.get((channel_value, address), []) if address else []
        )
        want = replay((r.id, event_from_row(r)) for r in rows)
        have = state_from_row(stored.get((cid, channel_value)))
        checked += 1
        if (have.dnd, have.kind, have.reason, have.since_us, have.source, have.event_id) != (
            want.dnd, want.kind, want.reason, want.since_us, want.source, want.event_id,
        ):
            problems.append(f"contact {cid} {channel_value}: stored {have}, ledger replays {want}")
        if want.dnd:
            expected_masks[cid] |= channel.bit
    for cid in contacts:
        if masks.get(cid, 0) != expected_masks.get(cid, 0):
            problems.append(f"contact {cid}: dnd_mask {masks.get(cid)} != {expected_masks.get(cid, 0)}")
    return checked, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", default=os.environ.get("DND_CONSOLE_TEST_PG") or DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=20_000, help="contacts owning some event addresses")
    parser.add_argument("--hot", type=int, default=500, help="agents work on this many contacts (contention)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the schema for a look afterwards")
    parser.add_argument("--in-process", action="store_true", help="import on a thread of this process")
    args = parser.parse_args()

    schema, url = make_schema(args.url)
    print(f"schema {schema} on {Store(url, migrate=False).url.split('?')[0]}")
    try:
        return run(url, args)
    finally:
        if args.keep:
            print(f"kept schema {schema}")
        else:
            drop_schema(args.url, schema)


def run(url: str, args: argparse.Namespace) -> int:
    store = Store(url)
    seed_contacts(store, args.contacts)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "mailgun-events.jsonl"
        with events.open("wb") as out:
            write_mailgun(out, args.events, rng)
        print(f"{args.contacts:,} contacts, {args.events:,} events generated; {args.agents} agents for "
              f"{args.seconds:.0f} s with one import")

        hot = rng.sample(range(1, args.contacts + 1), min(args.hot, args.contacts))
        logs = [AgentLog(f"agent{i:02d}") for i in range(args.agents)]
        import_result: dict[str, Any] = {}

        def do_import() -> None:
            importer = Store(url, migrate=False)
            started = time.perf_counter()
            try:
                runner = run_import if args.in_process else run_import_isolated
                import_result["summary"] = runner(importer, [events], location=None, actor="importer")
            except BaseException:
                import_result["error"] = traceback.format_exc()
            finally:
                import_result["seconds"] = time.perf_counter() - started
                importer.dispose()

        started = time.perf_counter()
        deadline = time.monotonic() + args.seconds
        waits: list[float] = []
        threads = [threading.Thread(target=do_import, name="import")]
        threads.append(threading.Thread(target=lock_probe, args=(url, waits, deadline), name="lock-probe"))
        threads += [
            threading.Thread(target=agent_loop, args=(url, log, hot, deadline, args.seed * 1000 + i), name=log.name)
            for i, log in enumerate(logs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started

    failures: list[str] = []
    ok = sum(log.ok for log in logs)
    conflicts = sum(log.conflicts for log in logs)
    refused = sum(log.refused for log in logs)
    latencies = [x for log in logs for x in log.latencies]
    errors = [e for log in logs for e in log.errors]
    agent_seconds = min(args.seconds, wall)
    print(f"agents: {ok:,} changes, {conflicts:,} conflicts, {refused:,} refused/unchanged, {len(errors)} errors")
    print(f"changes/s: {ok / agent_seconds:,.1f}  (actions/s: {len(latencies) / agent_seconds:,.1f})")
    print(
        f"action latency: p50 {percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms"
        f", max {max(latencies, default=0) * 1000:.1f} ms"
    )
    print(
        f"chain-lock wait (probe every 50 ms): p50 {percentile(waits, 50) * 1000:.1f} ms, "
        f"p95 {percentile(waits, 95) * 1000:.1f} ms, max {max(waits, default=0) * 1000:.1f} ms ({len(waits)} probes)"
    )
    if errors:
        failures.append(f"{len(errors)} unhandled errors in agents; first:\n{errors[0]}")
    if "error" in import_result:
        failures.append(f"the import failed:\n{import_result['error']}")
    summary: ImportSummary | None = import_result.get("summary")
    if summary is not None:
        d = summary.as_dict()
        total = d["applied"] + d["no_effect"] + d["duplicates"] + d["unmatched"] + d["rejected"]
        print(f"import: {d['records']:,} records in {import_result['seconds']:.1f} s = "
              f"{d['records'] / import_result['seconds']:,.0f} records/s ({d['applied']:,} applied, "
              f"{d['no_effect']:,} no effect, {d['duplicates']:,} duplicates, {d['unmatched']:,} unmatched, "
              f"{d['rejected']:,} rejected)")
        if total != d["records"] or d["records"] != args.events:
            failures.append(f"import records not accounted: {total} of {d['records']} (file: {args.events})")

    # no lost update: two successes from the same version of a channel would mean one overwrote the other
    wins = Counter(w for log in logs for w in log.wins)
    doubled = [w for w, n in wins.items() if n > 1]
    if doubled:
        failures.append(f"{len(doubled)} channel versions toggled twice (lost updates), e.g. {doubled[:3]}")
    with store.read() as session:
        by_actor = Counter(
            dict(
                session.execute(
                    select(LedgerEntry.actor, text("count(*)"))
                    .where(LedgerEntry.source == "agent")
                    .group_by(LedgerEntry.actor)
                ).all()
            )
        )
        for log in logs:
            if by_actor.get(log.name, 0) != log.ok:
                failures.append(
                    f"{log.name}: {log.ok} successful toggles but {by_actor.get(log.name, 0)} in the ledger"
                )
        chain = verify_chain(session)
    print(f"audit chain: {'intact' if chain.ok else 'BROKEN'} ({chain.entries:,} entries)")
    if not chain.ok:
        failures.append(f"audit chain broken at {chain.broken_id}: {chain.problem}")
    checked, problems = check_replay(store)
    print(f"replay: {checked:,} channel states checked against the ledger, {len(problems)} differ")
    failures += problems[:10]
    store.dispose()

    if failures:
        print("FAILED:")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print("all checks passed: no lost update, no unhandled error, every record accounted, audit chain intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
