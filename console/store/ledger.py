"""Recording events in the ledger and keeping the per-(contact, channel) projection in step.

One mechanism for every writer: agent actions, imports, reviews and possible-opt-out decisions all go
through :func:`record_events`. A new event later than a channel's latest is applied to the stored state;
an older one makes that channel replay from the ledger, so order and split of imports never matter.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, delete, insert, literal_column, select, update
from sqlalchemy.orm import Session

from console.domain.channels import PHONE_CHANNELS, Channel, DndKind
from console.domain.events import Effect, Event, Source, now_us, order_key
from console.domain.state import OFF, ChannelState, apply_event, replay
from console.store.audit import HASHED_COLUMNS, entry_hash
from console.store.changes import notify
from console.store.models import ChainHead, ChannelStateRow, Contact, LedgerEntry, PossibleOptOut

EVENTS = cast(Table, LedgerEntry.__table__)
STATES = cast(Table, ChannelStateRow.__table__)
CONTACTS = cast(Table, Contact.__table__)
CHUNK = 10_000

#: Set and lift events; written as a literal so the partial indexes on the ledger apply.
LIVE = EVENTS.c.effect != literal_column("'none'")

APPLIED, NO_EFFECT, DUPLICATE, UNMATCHED = "applied", "no_effect", "duplicate", "unmatched"


@dataclass(frozen=True, slots=True)
class Recorded:
    status: str
    event_id: int | None
    contact_ids: tuple[int, ...] = ()


DUPLICATE_OUTCOME = Recorded(DUPLICATE, None)
NO_EFFECT_OUTCOME = Recorded(NO_EFFECT, None)
#: Records from these sources that trigger nothing are kept compactly, outside the hash chain: they change
#: nothing, so they are not ledger entries; their keys make re-imports idempotent and their labels count.
PROVIDER_SOURCES = frozenset({Source.MAILGUN.value, Source.TWILIO.value})


@dataclass(slots=True)
class RecordResult:
    outcomes: list[Recorded] = field(default_factory=list)
    #: (contact_id, channel) -> (state before, state after) for every channel whose state changed.
    changed: dict[tuple[int, Channel], tuple[ChannelState, ChannelState]] = field(default_factory=dict)
    possible_opt_outs: int = 0
    #: How many records that triggered nothing, by label (``delivered``, ``failed/temporary/generic``...).
    no_effect_labels: Counter[str] = field(default_factory=Counter)

    def counts(self) -> Counter[str]:
        return Counter(outcome.status for outcome in self.outcomes)


def order_text(at_us: int, effect: str, source: str, key: str) -> str:
    at, rank, src, k = order_key(at_us, effect, source, key)
    return f"{at:020d}|{rank}|{src}|{k}"


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Enum members to their plain string values (a dict lookup is much cheaper than ``.value`` in a hot loop).
VALUE: dict[Any, str | None] = {None: None, **{m: m.value for e in (Channel, Effect, DndKind) for m in e}}


def insert_sql(session: Session) -> str:
    """The ledger's INSERT for the driver's own executemany, in the column order of HASHED_COLUMNS + hash."""
    style = session.get_bind().dialect.paramstyle
    mark = "?" if style == "qmark" else "%s"
    columns = ", ".join(f'"{c}"' if c == "key" else c for c in (*HASHED_COLUMNS, "hash"))
    return f"INSERT INTO events ({columns}) VALUES ({', '.join([mark] * (len(HASHED_COLUMNS) + 1))})"


def noop_insert_sql(session: Session, ignore: bool = False) -> str:
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join([mark] * 6)
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    return f'{verb} INTO noop_records (location_id, source, "key", batch_id, at_us, label) VALUES ({marks})'


def is_noop(ev: Event) -> bool:
    """A provider record that triggers nothing: kept in noop_records, outside the chain."""
    return ev.effect is Effect.NONE and ev.source in PROVIDER_SOURCES and "possible_opt_out" not in ev.detail


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
        for chunk in _chunks(keys):
            if qmark:
                marks = ",".join("?" * len(chunk))
                sql = f'SELECT "key" FROM {table} WHERE location_id = ? AND source = ? AND "key" IN ({marks})'
                rows = conn.exec_driver_sql(sql, (location_id, source, *chunk))
            else:
                # A join on the unnested keys: one index probe per key whatever the plan. ("key" = ANY(%s)
                # became a linear scan of the location's whole ledger per key once psycopg prepared it
                # with a generic plan.)
                sql = (
                    f'SELECT e."key" FROM unnest(%s::varchar[]) AS k("key") JOIN {table} e'
                    ' ON e.location_id = %s AND e.source = %s AND e."key" = k."key"'
                )
                rows = conn.exec_driver_sql(sql, (list(chunk), location_id, source))
            found.update((source, key) for (key,) in rows)
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
    values = [(location_id, r[0], r[1], batch_id, r[2], r[3][:80]) for n, r in enumerate(rows) if n not in repeats]
    if conn.dialect.name == "sqlite" and not repeats:
        savepoint = conn.begin_nested()
        cursor = conn.exec_driver_sql(noop_insert_sql(session, ignore=True), values)
        if cursor.rowcount == len(values):
            savepoint.commit()
            return set()
        savepoint.rollback()
    held = existing_keys(session, location_id, first, "noop_records")
    duplicates = repeats | {n for key, n in first.items() if key in held}
    fresh = [(location_id, r[0], r[1], batch_id, r[2], r[3][:80]) for n, r in enumerate(rows) if n not in duplicates]
    if fresh:
        conn.exec_driver_sql(noop_insert_sql(session), fresh)
    return duplicates


def lock_chain(session: Session) -> tuple[int, str]:
    """Take the chain's write lock (a row lock on PostgreSQL, the write lock on SQLite) and read its head."""
    session.execute(update(ChainHead).where(ChainHead.id == 1).values(last_id=ChainHead.last_id))
    last_id, last_hash = session.execute(select(ChainHead.last_id, ChainHead.last_hash)).one()
    return int(last_id), str(last_hash)


def state_from_row(row: Any) -> ChannelState:
    if row is None or not row.dnd:
        return OFF
    return ChannelState(True, DndKind(row.kind), row.reason, row.since_us, row.source, row.event_id)


def channel_address(channel: Channel, email: str | None, phone: str | None) -> str | None:
    if channel == Channel.EMAIL:
        return email
    if channel in PHONE_CHANNELS:
        return phone
    return None


CHANNELS: dict[str | None, Channel | None] = {None: None, **{c.value: c for c in Channel}}
EFFECTS = {e.value: e for e in Effect}
KINDS: dict[str | None, DndKind | None] = {None: None, **{k.value: k for k in DndKind}}


def event_values(ev: Event) -> tuple[Any, ...]:
    """An event as plain JSON-able values (for passing between processes); ``event_from_values`` reverses it."""
    return (ev.source, ev.key, ev.at_us, VALUE[ev.channel], VALUE[ev.effect], VALUE[ev.kind], ev.reason,
            ev.address, ev.contact_id, ev.provider_cleared, ev.detail)  # fmt: skip


def event_from_values(values: Sequence[Any]) -> Event:
    source, key, at_us, channel, effect, kind, reason, address, contact_id, cleared, detail = values
    return Event(source, key, at_us, CHANNELS[channel], EFFECTS[effect], KINDS[kind], reason, address, contact_id,
                 cleared, detail)  # fmt: skip


def event_from_row(row: Any) -> Event:
    return Event(
        source=row.source,
        key=row.key,
        at_us=row.at_us,
        channel=Channel(row.channel) if row.channel else None,
        effect=Effect(row.effect),
        kind=DndKind(row.kind) if row.kind else None,
        reason=row.reason,
        address=row.address,
        contact_id=row.contact_id,
        provider_cleared=bool(row.provider_cleared),
        detail=orjson.loads(row.detail) if row.detail else {},
    )


def record_events(
    session: Session,
    location_id: int,
    events: Sequence[Event],
    actor: str,
    batch_id: int | None = None,
) -> RecordResult:
    """Append new events to the ledger, skip ones already there, and update every affected channel."""
    result = RecordResult()
    # The chain lock comes first: a concurrent writer's events are committed before we look for duplicates.
    last_id, last_hash = lock_chain(session) if events else (0, "")
    outcomes: list[Recorded | None] = [None] * len(events)
    # In-batch repeats first; then no-op records (kept compactly) and ledger events, each against its table.
    unique: dict[tuple[str, str], int] = {}
    for position, ev in enumerate(events):
        if unique.setdefault((ev.source, ev.key), position) != position:
            outcomes[position] = DUPLICATE_OUTCOME
    noop_at = [p for p in unique.values() if is_noop(events[p])]
    ledger_at = [p for p in unique.values() if not is_noop(events[p])]
    if noop_at:
        noops = [events[p] for p in noop_at]
        repeated = keep_noops(session, location_id, [(e.source, e.key, e.at_us, e.reason) for e in noops], batch_id)
        for n, position in enumerate(noop_at):
            outcomes[position] = DUPLICATE_OUTCOME if n in repeated else NO_EFFECT_OUTCOME
        result.no_effect_labels.update(ev.reason for n, ev in enumerate(noops) if n not in repeated)
    held = (
        existing_keys(session, location_id, [(events[p].source, events[p].key) for p in ledger_at])
        if ledger_at
        else set()
    )
    fresh: list[tuple[int, int, Event]] = []
    rows: list[tuple[Any, ...]] = []
    recorded_at = now_us()
    dumps, sort_keys = orjson.dumps, orjson.OPT_SORT_KEYS
    for position in ledger_at:
        ev = events[position]
        if (ev.source, ev.key) in held:
            outcomes[position] = DUPLICATE_OUTCOME
            continue
        last_id += 1
        values = (
            last_id,
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
        last_hash = entry_hash(last_hash, values)
        rows.append((*values[:14], ev.provider_cleared, values[15], last_hash))
        fresh.append((position, last_id, ev))
    if rows:
        session.connection().exec_driver_sql(insert_sql(session), rows)
        session.execute(update(ChainHead).where(ChainHead.id == 1).values(last_id=last_id, last_hash=last_hash))

    matches = _match_contacts(session, location_id, [ev for _, _, ev in fresh])
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
        _apply_to_pairs(session, location_id, pairs, actor, result)
    result.outcomes = [outcome for outcome in outcomes if outcome is not None]
    assert len(result.outcomes) == len(events)
    if rows:
        touched = {cid for cid, _ in result.changed}
        touched.update(cid for outcome in result.outcomes for cid in outcome.contact_ids)
        notify(session, location_id, touched, actor=actor)
    return result


def _match_contacts(
    session: Session, location_id: int, events: Sequence[Event]
) -> dict[tuple[Channel, str], tuple[int, ...]]:
    """Contacts of the location per (channel, address), for events addressed by email or phone."""
    emails = sorted(
        {
            ev.address
            for ev in events
            if ev.address and ev.contact_id is None and ev.channel == Channel.EMAIL and ev.effect != Effect.NONE
        }
    )
    phones = sorted(
        {
            ev.address
            for ev in events
            if ev.address and ev.contact_id is None and ev.channel in PHONE_CHANNELS and ev.effect != Effect.NONE
        }
    )
    by_email: dict[str, list[int]] = defaultdict(list)
    by_phone: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(emails):
        for cid, email in session.execute(
            select(CONTACTS.c.id, CONTACTS.c.email).where(
                CONTACTS.c.location_id == location_id, CONTACTS.c.email.in_(chunk)
            )
        ):
            by_email[email].append(cid)
    for chunk in _chunks(phones):
        for cid, phone in session.execute(
            select(CONTACTS.c.id, CONTACTS.c.phone).where(
                CONTACTS.c.location_id == location_id, CONTACTS.c.phone.in_(chunk)
            )
        ):
            by_phone[phone].append(cid)
    out: dict[tuple[Channel, str], tuple[int, ...]] = {}
    for address, ids in by_email.items():
        out[(Channel.EMAIL, address)] = tuple(sorted(ids))
    for address, ids in by_phone.items():
        for channel in PHONE_CHANNELS:
            out[(channel, address)] = tuple(sorted(ids))
    return out


def _load_states(session: Session, contact_ids: Sequence[int]) -> dict[tuple[int, Channel], Any]:
    loaded: dict[tuple[int, Channel], Any] = {}
    for chunk in _chunks(sorted(set(contact_ids))):
        for row in session.execute(select(STATES).where(STATES.c.contact_id.in_(chunk))):
            loaded[(row.contact_id, Channel(row.channel))] = row
    return loaded


def _contact_addresses(session: Session, contact_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    found: dict[int, tuple[str | None, str | None]] = {}
    for chunk in _chunks(sorted(set(contact_ids))):
        for cid, email, phone in session.execute(
            select(CONTACTS.c.id, CONTACTS.c.email, CONTACTS.c.phone).where(CONTACTS.c.id.in_(chunk))
        ):
            found[cid] = (email, phone)
    return found


def channel_events(
    session: Session, location_id: int, contact_id: int, channel: Channel, address: str | None
) -> list[tuple[int, Event]]:
    """Every set/lift event that concerns one contact's channel: its own, and those for its address."""
    queries = [select(EVENTS).where(EVENTS.c.contact_id == contact_id, EVENTS.c.channel == channel.value, LIVE)]
    if address:
        queries.append(
            select(EVENTS).where(
                EVENTS.c.location_id == location_id,
                EVENTS.c.address == address,
                EVENTS.c.channel == channel.value,
                LIVE,
                EVENTS.c.contact_id.is_(None),
            )
        )
    return [(row.id, event_from_row(row)) for query in queries for row in session.execute(query)]


def _apply_to_pairs(
    session: Session,
    location_id: int,
    pairs: dict[tuple[int, Channel], list[tuple[int, Event]]],
    actor: str,
    result: RecordResult,
) -> None:
    contact_ids = [cid for cid, _ in pairs]
    stored = _load_states(session, contact_ids)
    computed: dict[tuple[int, Channel], tuple[ChannelState, str]] = {}
    late: list[tuple[int, Channel]] = []
    for (contact_id, channel), new_events in pairs.items():
        new_events.sort(key=lambda pair: pair[1].order_key)
        row = stored.get((contact_id, channel))
        first, last = new_events[0][1], new_events[-1][1]
        if row is None or order_text(first.at_us, first.effect, first.source, first.key) > row.last_order:
            after = state_from_row(row)
            for event_id, ev in new_events:
                after = apply_event(after, ev, event_id)
            last_text = order_text(last.at_us, last.effect, last.source, last.key)
            computed[(contact_id, channel)] = (after, max(last_text, row.last_order) if row is not None else last_text)
        else:
            late.append((contact_id, channel))  # older than what the channel has seen: replay it from the ledger
    computed.update(_replay_pairs(session, location_id, late))
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for (contact_id, channel), (after, last_text) in computed.items():
        row = stored.get((contact_id, channel))
        before = state_from_row(row)
        changed = after != before
        values = (*_state_tuple(after), last_text, actor if changed or row is None else row.changed_by)
        if row is None:
            inserts.append((*values, 1, contact_id, channel.value))
        else:
            updates.append((*values, row.version + (1 if changed else 0), contact_id, channel.value))
        if changed:
            result.changed[(contact_id, channel)] = (before, after)
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if inserts:
        columns = ", ".join((*STATE_COLUMNS, "version", "contact_id", "channel"))
        conn.exec_driver_sql(
            f"INSERT INTO channel_states ({columns}) VALUES ({', '.join([mark] * (len(STATE_COLUMNS) + 3))})", inserts
        )
    if updates:
        assignments = ", ".join(f"{c} = {mark}" for c in (*STATE_COLUMNS, "version"))
        conn.exec_driver_sql(
            f"UPDATE channel_states SET {assignments} WHERE contact_id = {mark} AND channel = {mark}", updates
        )
    _refresh_masks(session, stored, result)


STATE_COLUMNS = ("dnd", "kind", "reason", "since_us", "source", "event_id", "last_order", "changed_by")


def _state_tuple(state: ChannelState) -> tuple[Any, ...]:
    return (state.dnd, VALUE[state.kind], state.reason, state.since_us, state.source, state.event_id)


def _replay_pairs(
    session: Session, location_id: int, pairs: list[tuple[int, Channel]]
) -> dict[tuple[int, Channel], tuple[ChannelState, str]]:
    """Replay many (contact, channel) pairs from the ledger with a few queries, not two per pair."""
    if not pairs:
        return {}
    addresses = _contact_addresses(session, [cid for cid, _ in pairs])
    wanted = {(cid, channel): channel_address(channel, *addresses.get(cid, (None, None))) for cid, channel in pairs}
    rows: dict[tuple[int, Channel], list[tuple[int, Event]]] = defaultdict(list)
    by_address: dict[tuple[str, str], list[tuple[int, Channel]]] = defaultdict(list)
    for pair, address in wanted.items():
        if address:
            by_address[(pair[1].value, address)].append(pair)
    ids = sorted({cid for cid, _ in pairs})
    for chunk in _chunks(ids):
        for row in session.execute(select(EVENTS).where(EVENTS.c.contact_id.in_(chunk), LIVE)):
            pair = (row.contact_id, Channel(row.channel))
            if pair in wanted:
                rows[pair].append((row.id, event_from_row(row)))
    for chunk in _chunks(sorted({address for _, address in by_address})):
        query = select(EVENTS).where(
            EVENTS.c.location_id == location_id, EVENTS.c.address.in_(chunk), LIVE, EVENTS.c.contact_id.is_(None)
        )
        for row in session.execute(query):
            for pair in by_address.get((row.channel, row.address), ()):
                rows[pair].append((row.id, event_from_row(row)))
    out: dict[tuple[int, Channel], tuple[ChannelState, str]] = {}
    for pair in pairs:
        history = rows.get(pair, [])
        last = max((order_text(e.at_us, e.effect, e.source, e.key) for _, e in history), default="")
        out[pair] = (replay(history), last)
    return out


def _state_values(state: ChannelState) -> dict[str, Any]:
    return {
        "dnd": state.dnd,
        "kind": state.kind.value if state.kind else None,
        "reason": state.reason,
        "since_us": state.since_us,
        "source": state.source,
        "event_id": state.event_id,
    }


def _refresh_masks(session: Session, stored: dict[tuple[int, Channel], Any], result: RecordResult) -> None:
    if not result.changed:
        return
    masks: dict[int, int] = defaultdict(int)
    touched = {cid for cid, _ in result.changed}
    for (cid, channel), row in stored.items():
        if cid in touched and row.dnd:
            masks[cid] |= channel.bit
    for (cid, channel), (_, after) in result.changed.items():
        masks[cid] = masks[cid] | channel.bit if after.dnd else masks[cid] & ~channel.bit
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    session.connection().exec_driver_sql(
        f"UPDATE contacts SET dnd_mask = {mark} WHERE id = {mark}", [(mask, cid) for cid, mask in masks.items()]
    )


def recompute_contacts(session: Session, location_id: int, contact_ids: Sequence[int]) -> None:
    """Replay every channel of these contacts from the ledger (after a contact is added or its address changes)."""
    if not contact_ids:
        return
    addresses = _contact_addresses(session, contact_ids)
    emails = sorted({e for e, _ in addresses.values() if e})
    phones = sorted({p for _, p in addresses.values() if p})
    by_key: dict[tuple[str, str], list[Any]] = defaultdict(list)
    by_contact: dict[int, list[Any]] = defaultdict(list)
    live = LIVE
    for chunk in _chunks(emails + phones):
        for row in session.execute(
            select(EVENTS).where(
                EVENTS.c.location_id == location_id, live, EVENTS.c.contact_id.is_(None), EVENTS.c.address.in_(chunk)
            )
        ):
            by_key[(row.channel, row.address)].append(row)
    for chunk in _chunks(sorted(addresses)):
        for row in session.execute(select(EVENTS).where(live, EVENTS.c.contact_id.in_(chunk))):
            by_contact[row.contact_id].append(row)
    old = _load_states(session, list(addresses))
    for chunk in _chunks(sorted(addresses)):
        session.execute(delete(STATES).where(STATES.c.contact_id.in_(chunk)))
    inserts: list[dict[str, Any]] = []
    masks: dict[int, int] = {}
    for cid, (email, phone) in addresses.items():
        mask = 0
        for channel in Channel:
            address = channel_address(channel, email, phone)
            rows = [r for r in by_contact.get(cid, ()) if r.channel == channel.value]
            if address:
                rows += by_key.get((channel.value, address), [])
            if not rows:
                continue
            after = replay((r.id, event_from_row(r)) for r in rows)
            prior = old.get((cid, channel))
            last = max(order_text(r.at_us, r.effect, r.source, r.key) for r in rows)
            inserts.append(
                {
                    "contact_id": cid,
                    "channel": channel.value,
                    "last_order": last,
                    "version": (prior.version + 1) if prior else 1,
                    "changed_by": prior.changed_by if prior else None,
                    **_state_values(after),
                }
            )
            if after.dnd:
                mask |= channel.bit
        masks[cid] = mask
    if inserts:
        session.execute(insert(STATES), inserts)
    session.execute(
        update(CONTACTS).where(CONTACTS.c.id == bindparam("b_id")),
        [{"b_id": cid, "dnd_mask": mask} for cid, mask in masks.items()],
    )
    notify(session, location_id, masks)


def record_note(session: Session, location_id: int, actor: str, reason: str, detail: dict[str, str]) -> int:
    """Put an administrative decision (a connection, a new agent, a review step) in the audit chain."""
    import uuid

    event = Event("console", uuid.uuid4().hex, now_us(), None, Effect.NONE, None, reason, detail=detail)
    result = record_events(session, location_id, [event], actor)
    event_id = result.outcomes[0].event_id
    assert event_id is not None
    return event_id
