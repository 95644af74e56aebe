"""Two agents, two imports, many writers at once: no lost update, no duplicate event, the chain intact."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from console.domain.channels import Channel
from console.errors import Conflict
from console.importers.pipeline import run_import
from console.importers.summary import ImportSummary
from console.store.actions import set_dnd
from console.store.audit import verify_chain
from console.store.db import Store
from console.store.ledger import record_events
from console.store.models import ChannelStateRow, Contact, LedgerEntry, NoopRecord
from console.store.queries import channel_states
from tests.helpers import delivered, email_set

from .conftest import Databases, add_contacts

Opener = Callable[[str], Store]


def toggle(store: Store, contact_id: int, channel: Channel, on: bool, actor: str, version: int) -> None:
    with store.write() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        set_dnd(session, contact, [channel], on, actor, expected_versions={channel: version})


def seen_version(store: Store, contact_id: int, channel: Channel) -> int:
    with store.read() as session:
        return channel_states(session, contact_id)[channel].version


def test_second_agent_gets_a_conflict_and_the_fresh_state(databases: Databases, open_store: Opener) -> None:
    url = databases.new()
    alice, bob = open_store(url), open_store(url)
    (cid,) = add_contacts(alice, 1)
    version = seen_version(bob, cid, Channel.SMS)  # both agents look at the same screen
    assert version == seen_version(alice, cid, Channel.SMS) == 0

    committed = threading.Event()
    inside = threading.Event()

    def alice_toggles() -> None:
        with alice.write() as session:
            contact = session.get(Contact, cid)
            assert contact is not None
            set_dnd(session, contact, [Channel.SMS], True, "alice", expected_versions={Channel.SMS: version})
            inside.set()
            time.sleep(0.3)  # bob clicks while alice's change is being saved
        committed.set()

    thread = threading.Thread(target=alice_toggles)
    thread.start()
    assert inside.wait(10)
    with pytest.raises(Conflict, match="changed by alice a moment ago"):
        toggle(bob, cid, Channel.SMS, False, "bob", version)
    thread.join()
    assert committed.is_set()

    with bob.read() as session:
        fresh = channel_states(session, cid)[Channel.SMS]
        assert fresh.state.dnd and fresh.version == 1 and fresh.changed_by == "alice"
        assert session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.actor == "bob")) == 0
    toggle(bob, cid, Channel.SMS, False, "bob", fresh.version)  # with the fresh version bob's change goes through
    with alice.read() as session:
        now = channel_states(session, cid)[Channel.SMS]
        assert not now.state.dnd and now.version == 2 and now.changed_by == "bob"


def test_agents_racing_on_one_channel_never_lose_an_update(databases: Databases, open_store: Opener) -> None:
    url = databases.new()
    agents = [open_store(url) for _ in range(4)]
    (cid,) = add_contacts(agents[0], 1)
    rounds = 8
    wins: list[str] = []
    conflicts: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    for _ in range(rounds):
        version = seen_version(agents[0], cid, Channel.EMAIL)
        on = version % 2 == 0
        barrier = threading.Barrier(len(agents))

        def act(index: int, version: int = version, on: bool = on, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                toggle(agents[index], cid, Channel.EMAIL, on, f"agent{index}", version)
                with lock:
                    wins.append(f"agent{index}")
            except Conflict as exc:
                with lock:
                    conflicts.append(str(exc))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=act, args=(i,)) for i in range(len(agents))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
    assert len(wins) == rounds  # exactly one winner per round
    assert len(conflicts) == rounds * (len(agents) - 1)
    assert all("a moment ago" in c and "changed by agent" in c for c in conflicts)
    with agents[1].read() as session:
        fresh = channel_states(session, cid)[Channel.EMAIL]
        assert fresh.version == rounds
        assert fresh.changed_by == wins[-1]
        assert not fresh.state.dnd  # on, off, on, off ...
        agent_events = session.scalars(
            select(LedgerEntry.actor).where(LedgerEntry.source == "agent").order_by(LedgerEntry.id)
        ).all()
        assert list(agent_events) == wins
        assert verify_chain(session).ok


def test_concurrent_appenders_never_collide(databases: Databases, open_store: Opener) -> None:
    """Writers appending overlapping events at once: each (source, key) once, no unique-key error."""
    url = databases.new()
    stores = [open_store(url) for _ in range(6)]
    add_contacts(stores[0], 20)
    events = [email_set(f"user{i % 25}@example.com", f"2024-03-01 10:{i % 60:02d}", *_bounce(), k=f"mg{i}")
              for i in range(120)]
    events += [delivered(f"user{i}@example.com", "2024-03-02 10:00", k=f"dl{i}") for i in range(60)]
    errors: list[BaseException] = []
    results: list[list[str]] = []
    barrier = threading.Barrier(len(stores))

    def append(index: int) -> None:
        mine = events[index * 20 :] + events[: index * 20]  # every writer records all, in another order
        try:
            barrier.wait()
            for start in range(0, len(mine), 45):
                with stores[index].write() as session:
                    result = record_events(session, 1, mine[start : start + 45], f"w{index}")
                    results.append([o.status for o in result.outcomes])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    statuses = [s for chunk in results for s in chunk]
    assert len(statuses) == len(events) * len(stores)
    assert sum(s != "duplicate" for s in statuses) == len(events)
    with stores[0].read() as session:
        ledger = session.scalar(select(func.count()).select_from(LedgerEntry))
        kept = session.scalar(select(func.count()).select_from(NoopRecord))  # records that triggered nothing
        assert (ledger, kept) == (120, 60)
        assert verify_chain(session).ok


def _bounce() -> tuple[Any, str]:
    from console.domain.channels import DndKind

    return DndKind.TEMPORARY, "email.bounce"


# -- two imports at once ---------------------------------------------------------------------------------------

KINDS = [
    {"event": "delivered"},
    {"event": "failed", "severity": "permanent", "reason": "bounce"},
    {"event": "opened"},
    {"event": "unsubscribed"},
    {"event": "failed", "severity": "temporary", "reason": "generic"},
    {"event": "complained"},
    {"event": "failed", "severity": "permanent", "reason": "suppress-bounce"},
]


def write_events(path: Path, ids: range) -> Path:
    """Mailgun events; record ``i`` is the same in every file, so files overlap where their ranges do."""
    with path.open("wb") as out:
        for i in ids:
            item = {
                "id": f"ev{i:08d}",
                "timestamp": 1_709_287_200 + (i * 7919) % 5000,  # not in id order: older events arrive later
                "recipient": f"user{i % 90}@example.com",
                **KINDS[(i * 31) % len(KINDS)],
            }
            out.write(orjson.dumps(item) + b"\n")
    return path


def final_state(store: Store) -> dict[str, Any]:
    """What must not depend on the order of imports: states (by the event's key, ids differ) and ledger keys."""
    with store.read() as session:
        rows = session.execute(select(LedgerEntry.id, LedgerEntry.source, LedgerEntry.key))
        keys = {row.id: (row.source, row.key) for row in rows}
        states = {
            (r.contact_id, r.channel): (r.dnd, r.kind, r.reason, r.since_us, r.source, keys.get(r.event_id or 0))
            for r in session.scalars(select(ChannelStateRow))
        }
        masks = {cid: mask for cid, mask in session.execute(select(Contact.id, Contact.dnd_mask))}
        assert verify_chain(session).ok
    return {"states": states, "masks": masks, "keys": sorted(keys.values()), "count": len(keys)}


def accounted(summary: ImportSummary) -> int:
    d = summary.as_dict()
    return int(d["applied"] + d["no_effect"] + d["duplicates"] + d["unmatched"] + d["rejected"])


def test_two_imports_at_once_equal_one_after_the_other(
    databases: Databases, open_store: Opener, tmp_path: Path
) -> None:
    first = write_events(tmp_path / "a.jsonl", range(0, 1500))
    second = write_events(tmp_path / "b.jsonl", range(700, 2400))  # 800 records in both

    serial = open_store(databases.new())
    add_contacts(serial, 60)
    for path in (first, second):
        run_import(serial, [path], location=None, actor="importer", chunk_records=250)
    expected = final_state(serial)

    url = databases.new()
    add_contacts(open_store(url), 60)
    summaries: list[ImportSummary] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(path: Path) -> None:
        store = Store(url)
        try:
            barrier.wait()
            summaries.append(run_import(store, [path], location=None, actor="importer", chunk_records=250))
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.dispose()

    threads = [threading.Thread(target=run, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(accounted(s) for s in summaries) == [1500, 1700]
    assert sum(s.counts["duplicate"] for s in summaries) == 800  # the overlap, once
    concurrent = open_store(url)
    assert final_state(concurrent) == expected
