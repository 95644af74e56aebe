"""Recording events in the ledger: idempotent, hash-chained, and applied to the projection (projection.py).

One mechanism for every writer: agent actions, imports, reviews and possible-opt-out decisions all go
through :func:`record_events`. A new event later than a channel's latest is applied to the stored state;
an older one makes that channel replay from the ledger, so order and split of imports never matter.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from console.domain.channels import Channel
from console.domain.events import Effect, Event, is_noop, now_us
from console.domain.state import ChannelState
from console.store.audit import HASHED_COLUMNS, Head, advance_head, entry_hash, lock_head, read_head
from console.store.changes import notify
from console.store.db import CHAIN_LOCKED
from console.store.held_opt_ins import open_held_reviews
from console.store.models import PossibleOptOut
from console.store.projection import apply_to_pairs, match_contacts
from console.store.sealing import Sealer
from console.store.tables import VALUE, chunked, driver_cursor, staged

APPLIED, NO_EFFECT, DUPLICATE, UNMATCHED = "applied", "no_effect", "duplicate", "unmatched"


@dataclass(frozen=True, slots=True)
class Recorded:
    status: str
    event_id: int | None
    contact_ids: tuple[int, ...] = ()


DUPLICATE_OUTCOME = Recorded(DUPLICATE, None)


NO_EFFECT_OUTCOME = Recorded(NO_EFFECT, None)


@dataclass(slots=True)
class RecordResult:
    outcomes: list[Recorded] = field(default_factory=list)
    #: (contact_id, channel) -> (state before, state after) for every channel whose state changed.
    changed: dict[tuple[int, Channel], tuple[ChannelState, ChannelState]] = field(default_factory=dict)
    possible_opt_outs: int = 0
    #: How many records that triggered nothing, by label (``delivered``, ``failed/temporary/generic``...).
    no_effect_labels: Counter[str] = field(default_factory=Counter)
    #: Pending opt-in reviews opened for held imported opt-ins (store/held_opt_ins.py).
    held_reviews: int = 0

    def counts(self) -> Counter[str]:
        return Counter(outcome.status for outcome in self.outcomes)


def insert_sql(session: Session) -> str:
    """The ledger's INSERT for the driver's own executemany, in the column order of HASHED_COLUMNS + hash, seal."""
    style = session.get_bind().dialect.paramstyle
    mark = "?" if style == "qmark" else "%s"
    columns = ", ".join(f'"{c}"' if c == "key" else c for c in (*HASHED_COLUMNS, "hash", "seal"))
    return f"INSERT INTO events ({columns}) VALUES ({', '.join([mark] * (len(HASHED_COLUMNS) + 2))})"


def noop_insert_sql(session: Session, ignore: bool = False) -> str:
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join([mark] * 6)
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    return f'{verb} INTO noop_records (location_id, source, "key", batch_id, at_us, label) VALUES ({marks})'


def existing_keys(
    session: Session, location_id: int, idents: Iterable[tuple[str, str]], table: str = "events"
) -> set[tuple[str, str]]:
    """Which (source, key) pairs the location already holds in ``table``."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, key in idents:
        by_source[source].append(key)
    found: set[tuple[str, str]] = set()
    conn = session.connection()
    qmark = conn.dialect.paramstyle == "qmark"
    for source, keys in by_source.items():
        for chunk in chunked(keys):
            if qmark:
                marks = ",".join("?" * len(chunk))
                sql = f'SELECT "key" FROM {table} WHERE location_id = ? AND source = ? AND "key" IN ({marks})'
                rows = conn.exec_driver_sql(sql, (location_id, source, *chunk))
            else:
                # A join on the keys (one JSON parameter): one index probe per key whatever the plan. ("key" = ANY(%s)
                # became a linear scan of the location's whole ledger per key once psycopg prepared it
                # with a generic plan.)
                sql = (
                    f'SELECT e."key" FROM json_array_elements_text(%s::json) AS k JOIN {table} e'
                    ' ON e.location_id = %s AND e.source = %s AND e."key" = k.value'
                )
                rows = conn.exec_driver_sql(sql, (orjson.dumps(list(chunk)).decode(), location_id, source))
            found.update((source, key) for (key,) in rows)
    missing = [key for key in by_source.get("mailgun", []) if ("mailgun", key) not in found]
    legacy = _legacy_mailgun_keys(missing) if missing and _holds_legacy_mailgun_keys(session, location_id) else {}
    if legacy:
        found |= _held_as_legacy(session, location_id, legacy, table)
    return found


#: (database URL, location) -> whether its oldest Mailgun entry has the old key form (then some entries may).
_LEGACY_MAILGUN: dict[tuple[str, int], bool] = {}


def _holds_legacy_mailgun_keys(session: Session, location_id: int) -> bool:
    """Whether the location's first Mailgun entry has the old key form. Keys changed form once, so a location whose
    first entry has the new form holds no old ones; asked once per database and location (one index lookup)."""
    where = (str(session.get_bind().engine.url), location_id)
    if where not in _LEGACY_MAILGUN:
        conn = session.connection()
        m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        first = conn.exec_driver_sql(
            # "+ 0" and "|| ''": the ledger is walked in id order from its start, not the location's entries sorted
            f"SELECT \"key\" FROM events WHERE location_id + 0 = {m} AND source || '' = {m} ORDER BY id LIMIT 1",
            (location_id, "mailgun"),
        ).scalar()
        # nothing from Mailgun yet: what it imports from now on has the new form
        _LEGACY_MAILGUN[where] = first is not None and _is_old_form(str(first))
    return _LEGACY_MAILGUN[where]


def _is_old_form(key: str) -> bool:
    return "@" in key and "/" not in key and not key.startswith("~")


def _legacy_mailgun_keys(keys: list[str]) -> dict[str, tuple[str, str]]:
    """Each key's form before keys named the event and recipient (``id@seconds``), with its recipient.

    Databases imported before then hold that form; a re-import of the same export is found through it, so it
    adds no repeated entries. Content keys (``~``...) and shortened keys (``#`` digest) never had an old form."""
    out: dict[str, tuple[str, str]] = {}
    for key in keys:
        if key.startswith("~") or "#" in key:
            continue
        parts = key.split("/", 2)
        if len(parts) == 3 and "@" in parts[0]:
            out[key] = (parts[0], parts[2])
    return out


def _held_as_legacy(
    session: Session, location_id: int, legacy: dict[str, tuple[str, str]], table: str
) -> set[tuple[str, str]]:
    """The Mailgun keys whose old form the location holds (in the ledger, for the same recipient)."""
    wanted: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, (old, address) in legacy.items():
        wanted[old].append((key, address))
    conn = session.connection()
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    address = "address" if table == "events" else "NULL"
    found: set[tuple[str, str]] = set()
    for chunk in chunked(sorted(wanted)):
        sql = (f'SELECT "key", {address} FROM {table} WHERE location_id = {m} AND source = {m}'
               f' AND "key" IN ({", ".join([m] * len(chunk))})')
        for old, held_address in conn.exec_driver_sql(sql, (location_id, "mailgun", *chunk)):
            for key, new_address in wanted[old]:
                if table != "events" or (held_address or "") == new_address:
                    found.add(("mailgun", key))
    return found


def keep_noops(session: Session, location_id: int, rows: Sequence[Sequence[Any]], batch_id: int | None) -> set[int]:
    """Keep records that triggered nothing, ``rows`` of (source, key, at_us, label); returns the positions
    that were kept already (or repeat an earlier row): duplicates.

    A fresh import inserts them all at once and finds nothing to skip; only when the insert skipped some
    does it look up which, so re-imports pay for the look-up and first imports do not.
    """
    conn = session.connection()
    first: dict[tuple[str, str], int] = {}
    repeats = {n for n, row in enumerate(rows) if first.setdefault((row[0], row[1]), n) != n}
    values = {n: (location_id, r[0], r[1], batch_id, r[2], r[3][:80]) for n, r in enumerate(rows) if n not in repeats}
    if conn.dialect.name == "postgresql":
        kept = _copy_noops(conn, values.values())
        return repeats | {n for key, n in first.items() if key not in kept}
    if not repeats:
        savepoint = conn.begin_nested()
        cursor = conn.exec_driver_sql(noop_insert_sql(session, ignore=True), list(values.values()))
        if cursor.rowcount == len(values):
            savepoint.commit()
            return set()
        savepoint.rollback()
    held = existing_keys(session, location_id, first, "noop_records")
    duplicates = repeats | {n for key, n in first.items() if key in held}
    fresh = [row for n, row in values.items() if n not in duplicates]
    if fresh:
        conn.exec_driver_sql(noop_insert_sql(session), fresh)
    return duplicates


NOOP_COLUMNS = 'location_id, source, "key", batch_id, at_us, label'


def _copy_noops(conn: Connection, rows: Iterable[tuple[Any, ...]]) -> set[tuple[str, str]]:
    """PostgreSQL: COPY the rows into a temporary table, then insert those not kept yet; the (source, key) pairs
    inserted. The unique key decides, so no lock is needed: of two writers of one key, the second skips it."""
    definition = ('(location_id integer, source varchar, "key" varchar, batch_id integer, at_us bigint,'
                  " label varchar)")
    with driver_cursor(conn) as cursor, staged(cursor, "noop_incoming", definition, NOOP_COLUMNS, rows):
        cursor.execute(
            f"INSERT INTO noop_records ({NOOP_COLUMNS}) SELECT {NOOP_COLUMNS} FROM noop_incoming"
            ' ON CONFLICT DO NOTHING RETURNING source, "key"'
        )
        kept = {(source, key) for source, key in cursor.fetchall()}
    return kept


def append_entries(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """Append ledger rows (``HASHED_COLUMNS`` + hash + seal): COPY on PostgreSQL, the driver's executemany on
    SQLite."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(insert_sql(session), list(rows))
        return
    columns = ", ".join(f'"{c}"' if c == "key" else c for c in (*HASHED_COLUMNS, "hash", "seal"))
    with driver_cursor(conn) as cursor, cursor.copy(f"COPY events ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def chain_head(session: Session) -> int:
    """The id of the chain's last entry, read without taking the lock (a missing head is one line)."""
    return read_head(session).last_id


def keys_since(session: Session, location_id: int, after_id: int) -> set[tuple[str, str]]:
    """(source, key) of the location's entries appended after ``after_id`` (a few, normally)."""
    conn = session.connection()
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f'SELECT source, "key" FROM events WHERE id > {m} AND location_id = {m}'
    return {(source, key) for source, key in conn.exec_driver_sql(sql, (after_id, location_id))}


def lock_chain(session: Session) -> tuple[int, str]:
    """Take the chain's write lock (a row lock on PostgreSQL, the write lock on SQLite) and read its head."""
    head, _ = _lock(session)
    return head.last_id, head.last_hash


def _lock(session: Session) -> tuple[Head, Sealer]:
    """The chain's write lock, its head (its seal checked: a writer never extends a moved head) and the sealer."""
    head, sealer = lock_head(session, held=bool(session.info.get(CHAIN_LOCKED)))
    session.info[CHAIN_LOCKED] = True
    return head, sealer


def record_events(
    session: Session,
    location_id: int,
    events: Sequence[Event],
    actor: str,
    batch_id: int | None = None,
) -> RecordResult:
    """Append new events to the ledger, skip ones already there, and update every affected channel."""
    result = RecordResult()
    if not events:
        return result
    outcomes: list[Recorded | None] = [None] * len(events)
    # In-batch repeats first; then no-op records (kept compactly) and ledger events, each against its table.
    unique: dict[tuple[str, str], int] = {}
    for position, ev in enumerate(events):
        if unique.setdefault((ev.source, ev.key), position) != position:
            outcomes[position] = DUPLICATE_OUTCOME
    noop_at: list[int] = []
    ledger_at: list[int] = []
    for position in unique.values():
        (noop_at if is_noop(events[position]) else ledger_at).append(position)
    if noop_at:
        noops = [events[p] for p in noop_at]
        repeated = keep_noops(session, location_id, [(e.source, e.key, e.at_us, e.reason) for e in noops], batch_id)
        for n, position in enumerate(noop_at):
            outcomes[position] = DUPLICATE_OUTCOME if n in repeated else NO_EFFECT_OUTCOME
        result.no_effect_labels.update(ev.reason for n, ev in enumerate(noops) if n not in repeated)
    # What does not need the chain is prepared before taking its lock, so other writers wait only for the
    # append (an import on PostgreSQL); a transaction holding the lock already checks against final data.
    locked = _lock(session) if ledger_at and session.info.get(CHAIN_LOCKED) else None
    seen_id = locked[0].last_id if locked is not None else chain_head(session) if ledger_at else 0
    idents = [(events[p].source, events[p].key) for p in ledger_at]
    held = existing_keys(session, location_id, idents) if ledger_at else set()
    pending: list[tuple[int, tuple[Any, ...]]] = []
    recorded_at = now_us()
    dumps, sort_keys = orjson.dumps, orjson.OPT_SORT_KEYS
    for position in ledger_at:
        ev = events[position]
        if (ev.source, ev.key) in held:
            outcomes[position] = DUPLICATE_OUTCOME
            continue
        values = (
            location_id,
            ev.source,
            ev.key,
            ev.at_us,
            recorded_at,
            VALUE[ev.channel],
            VALUE[ev.effect],
            VALUE[ev.kind],
            ev.reason,
            ev.address,
            ev.contact_id,
            actor,
            batch_id,
            int(ev.provider_cleared),
            dumps(ev.detail, option=sort_keys).decode() if ev.detail else None,
        )
        pending.append((position, values))
    fresh: list[tuple[int, int, Event]] = []
    rows: list[tuple[Any, ...]] = []
    if pending:
        head, sealer = locked if locked is not None else _lock(session)
        last_id, last_hash = head.last_id, head.last_hash
        if last_id != seen_id:  # entries appended meanwhile may repeat some of ours
            late = keys_since(session, location_id, seen_id)
            for position, _ in pending:
                if (events[position].source, events[position].key) in late:
                    outcomes[position] = DUPLICATE_OUTCOME
            pending = [(position, values) for position, values in pending if outcomes[position] is None]
        seal = sealer.entry_seal
        for position, values in pending:
            last_id += 1
            entry = (last_id, *values)
            last_hash = entry_hash(last_hash, entry)
            # provider_cleared: hashed as 0/1, stored as a boolean; every entry sealed once, here
            rows.append((*entry[:14], entry[14] == 1, entry[15], last_hash, seal(last_hash)))
            fresh.append((position, last_id, events[position]))
    if rows:
        append_entries(session, rows)
        advance_head(session, sealer, last_id, last_hash)

    matches = match_contacts(session, location_id, [ev for _, _, ev in fresh])
    pairs: dict[tuple[int, Channel], list[tuple[int, Event]]] = defaultdict(list)
    opt_outs: list[dict[str, Any]] = []
    for position, event_id, ev in fresh:
        if ev.effect == Effect.NONE or ev.channel is None:
            outcomes[position] = Recorded(NO_EFFECT, event_id)
            result.no_effect_labels[ev.detail.get("label") or ev.reason] += 1
            if ev.detail.get("possible_opt_out") == "1" and ev.address:
                opt_outs.append(
                    {
                        "location_id": location_id,
                        "event_id": event_id,
                        "address": ev.address,
                        "body": ev.detail.get("body", ""),
                        "received_at_us": ev.at_us,
                        "state": "pending",
                    }
                )
            continue
        ids = (ev.contact_id,) if ev.contact_id is not None else matches.get((ev.channel, ev.address or ""), ())
        outcomes[position] = Recorded(APPLIED if ids else UNMATCHED, event_id, tuple(ids))
        for contact_id in ids:
            pairs[(contact_id, ev.channel)].append((event_id, ev))
    if opt_outs:
        session.execute(insert(PossibleOptOut), opt_outs)
        result.possible_opt_outs = len(opt_outs)
    if pairs:
        apply_to_pairs(session, location_id, pairs, actor, result.changed)
    if fresh:  # held imported opt-ins: kept, and reviewed where they meet a permanent or spam DND
        result.held_reviews = open_held_reviews(
            session, location_id, actor, [(i, e) for _, i, e in fresh], pairs, batch_id
        )
    result.outcomes = [outcome for outcome in outcomes if outcome is not None]
    assert len(result.outcomes) == len(events)
    if rows:
        touched = {cid for cid, _ in result.changed}
        touched.update(cid for outcome in result.outcomes for cid in outcome.contact_ids)
        notify(session, location_id, touched, actor=actor)
    return result


def record_note(session: Session, location_id: int, actor: str, reason: str, detail: dict[str, str]) -> int:
    """Put an administrative decision (a connection, a new agent, a review step) in the audit chain."""
    event = Event("console", uuid.uuid4().hex, now_us(), None, Effect.NONE, None, reason, detail=detail)
    result = record_events(session, location_id, [event], actor)
    event_id = result.outcomes[0].event_id
    assert event_id is not None
    return event_id
