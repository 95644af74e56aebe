"""The projection: each (contact, channel) state as the ledger replays it, kept in ``channel_states``.

A new event later than a channel's latest is applied to the stored state; an older one makes that channel
replay from the ledger, so order and split of imports never matter. ``contacts.dnd_mask`` follows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import delete
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, PHONE_CHANNELS, Channel
from console.domain.events import Effect, Event
from console.domain.state import OFF, ChannelState, apply_event, replay
from console.store.changes import notify
from console.store.held_opt_ins import open_held_reviews_for_contacts
from console.store.tables import (
    CHANNELS,
    EFFECTS,
    KINDS,
    STATES,
    STORED_COLUMNS,
    VALUE,
    StoredState,
    channel_address,
    chunked,
    driver_cursor,
    mark,
    one_of,
    order_text,
    staged,
    state_from_row,
    values_param,
)


def match_contacts(
    session: Session, location_id: int, events: Sequence[Event]
) -> dict[tuple[Channel, str], tuple[int, ...]]:
    """Contacts of the location per (channel, address), for events addressed by email or phone (two queries)."""
    emails: set[str] = set()
    phones: set[str] = set()
    email, none = Channel.EMAIL, Effect.NONE
    for ev in events:
        if ev.address and ev.contact_id is None and ev.effect is not none:
            if ev.channel is email:
                emails.add(ev.address)
            elif ev.channel in PHONE_CHANNELS:
                phones.add(ev.address)
    conn = session.connection()
    out: dict[tuple[Channel, str], tuple[int, ...]] = {}
    for column, addresses, channels in (("email", emails, (email,)), ("phone", phones, PHONE_CHANNELS)):
        if not addresses:
            continue
        sql = (
            f"SELECT {column}, id FROM contacts WHERE location_id = {mark(conn)}"
            f" AND {one_of(conn, column, 'varchar')} ORDER BY {column}, id"
        )
        owners: dict[str, list[int]] = defaultdict(list)
        for address, cid in conn.exec_driver_sql(sql, (location_id, values_param(conn, sorted(addresses)))).fetchall():
            owners[address].append(cid)
        for address, ids in owners.items():
            found = tuple(ids)
            for channel in channels:
                out[(channel, address)] = found
    return out


def load_states(session: Session, contact_ids: Iterable[int]) -> dict[tuple[int, Channel], StoredState]:
    """Every stored channel state of these contacts, in one query."""
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    conn = session.connection()
    sql = f"SELECT {', '.join(STORED_COLUMNS)} FROM channel_states WHERE {one_of(conn, 'contact_id', 'bigint')}"
    channels, make = CHANNELS, StoredState._make
    loaded: dict[tuple[int, Channel], StoredState] = {}
    for row in conn.exec_driver_sql(sql, (values_param(conn, ids),)).fetchall():
        channel = channels[row[1]]
        assert channel is not None
        loaded[(row[0], channel)] = make(row)
    return loaded


def contact_addresses(session: Session, contact_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    conn = session.connection()
    sql = f"SELECT id, email, phone FROM contacts WHERE {one_of(conn, 'id', 'bigint')}"
    rows = conn.exec_driver_sql(sql, (values_param(conn, ids),)).fetchall()
    return {cid: (email, phone) for cid, email, phone in rows}


def _order(pair: tuple[int, Event]) -> tuple[int, int, str, str]:
    return pair[1].order_key


def apply_to_pairs(
    session: Session,
    location_id: int,
    pairs: dict[tuple[int, Channel], list[tuple[int, Event]]],
    actor: str,
    changed: dict[tuple[int, Channel], tuple[ChannelState, ChannelState]],
) -> None:
    """Apply a chunk's events set-based: the stored states of every touched contact in one query, each new
    state computed in memory, then one bulk write per table (channel states, and the masks that changed)."""
    stored = load_states(session, [cid for cid, _ in pairs])
    computed: dict[tuple[int, Channel], tuple[ChannelState, str]] = {}
    befores: dict[tuple[int, Channel], ChannelState] = {}
    late: list[tuple[int, Channel]] = []
    for pair, new_events in pairs.items():
        if len(new_events) > 1:
            new_events.sort(key=_order)
        row = stored.get(pair)
        first = new_events[0][1]
        if row is not None and order_text(first.at_us, first.effect, first.source, first.key) <= row.last_order:
            late.append(pair)  # older than what the channel has seen: replay it from the ledger
            continue
        after = befores[pair] = state_from_row(row)
        for event_id, ev in new_events:
            after = apply_event(after, ev, event_id)
        last = new_events[-1][1]
        computed[pair] = (after, order_text(last.at_us, last.effect, last.source, last.key))
    if late:
        computed.update(replay_pairs(session, location_id, late))
    new: list[tuple[Any, ...]] = []
    held: list[tuple[Any, ...]] = []
    moved: list[tuple[int, str, str]] = []
    for pair, (after, last_text) in computed.items():
        contact_id, channel = pair
        row = stored.get(pair)
        if row is None:
            new.append((contact_id, channel.value, *_state_tuple(after), last_text, 1, actor))
            if after.dnd:
                changed[pair] = (OFF, after)
            continue
        before = befores.get(pair) or state_from_row(row)
        if after != before:
            held.append((contact_id, channel.value, *_state_tuple(after), last_text, row.version + 1, actor))
            changed[pair] = (before, after)
        elif last_text != row.last_order:  # the same state, seen later: only its order moves
            moved.append((contact_id, channel.value, last_text))
    new.sort()  # in key order, each b-tree is written page after page rather than at random
    held.sort()
    moved.sort()
    write_states(session, new, held, moved)
    refresh_masks(session, stored, changed)
    ending = {cid for cid, (was, now) in _items(changed) if was.until_us is not None or now.until_us is not None}
    if ending:
        set_untils(session, earliest_ends(stored, {p: s for p, (s, _) in computed.items()}, ending))


def write_states(
    session: Session,
    new: Sequence[tuple[Any, ...]],
    held: Sequence[tuple[Any, ...]] = (),
    moved: Sequence[tuple[int, str, str]] = (),
) -> None:
    """Write ``channel_states`` rows (in ``STORED_COLUMNS`` order) in bulk: ``new`` ones not stored yet, ``held``
    ones replacing stored rows, and ``moved`` ones, (contact_id, channel, last_order), whose state stays the same and
    only has seen a later event. SQLite inserts the new and updates the others by key (an upsert costs half as much
    again per row there; updating only the order costs half as much as the whole row); PostgreSQL COPYs the new and
    held ones into a temporary table and upserts them from it in one ``INSERT ... ON CONFLICT`` (60,000 states: half
    the time of one JSON parameter), and runs one ``UPDATE ... FROM`` a JSON parameter for the moved."""
    conn = session.connection()
    columns = ", ".join(STORED_COLUMNS)
    if conn.dialect.name == "sqlite":
        if new:
            marks = ", ".join("?" * len(STORED_COLUMNS))
            conn.exec_driver_sql(f"INSERT INTO channel_states ({columns}) VALUES ({marks})", list(new))
        if held:
            assignments = ", ".join(f"{c} = ?" for c in STORED_COLUMNS[2:])
            conn.exec_driver_sql(
                f"UPDATE channel_states SET {assignments} WHERE contact_id = ? AND channel = ?",
                [(*row[2:], row[0], row[1]) for row in held],
            )
        if moved:
            conn.exec_driver_sql(
                "UPDATE channel_states SET last_order = ? WHERE contact_id = ? AND channel = ?",
                [(order, contact_id, channel) for contact_id, channel, order in moved],
            )
        return
    if moved:
        conn.exec_driver_sql(
            "UPDATE channel_states SET last_order = r->>2 FROM json_array_elements(%s::json) AS r"
            " WHERE channel_states.contact_id = (r->>0)::bigint AND channel_states.channel = r->>1",
            (orjson.dumps(list(moved)).decode(),),
        )
    rows = [*new, *held]
    if not rows:
        return
    assignments = ", ".join(f"{c} = excluded.{c}" for c in STORED_COLUMNS[2:])
    definition = "(LIKE channel_states INCLUDING DEFAULTS)"  # COPY, then one upsert: half the time of JSON
    with driver_cursor(conn) as cursor, staged(cursor, "states_incoming", definition, columns, rows):
        cursor.execute(
            f"INSERT INTO channel_states ({columns}) SELECT {columns} FROM states_incoming"
            f" ON CONFLICT (contact_id, channel) DO UPDATE SET {assignments}"
        )


def set_masks(session: Session, masks: dict[int, int]) -> None:
    """``contacts.dnd_mask`` of each contact id, in one bulk statement."""
    if not masks:
        return
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE contacts SET dnd_mask = ? WHERE id = ?", [(m, cid) for cid, m in masks.items()])
        return
    conn.exec_driver_sql(
        "UPDATE contacts SET dnd_mask = (r->>1)::integer FROM json_array_elements(%s::json) AS r"
        " WHERE contacts.id = (r->>0)::bigint",
        (orjson.dumps(list(masks.items())).decode(),),
    )


def _state_tuple(state: ChannelState) -> tuple[Any, ...]:
    return (state.dnd, VALUE[state.kind], state.reason, state.since_us, state.source, state.event_id, state.until_us)


def _items(
    changed: dict[tuple[int, Channel], tuple[ChannelState, ChannelState]],
) -> Iterable[tuple[int, tuple[ChannelState, ChannelState]]]:
    return ((cid, pair) for (cid, _), pair in changed.items())


def earliest_ends(
    stored: dict[tuple[int, Channel], StoredState],
    computed: dict[tuple[int, Channel], ChannelState],
    contact_ids: Iterable[int],
) -> dict[int, int | None]:
    """Each contact's earliest manual DND end (``contacts.dnd_until_us``): over its computed states, and its
    stored ones where none was computed."""
    wanted = set(contact_ids)
    ends: dict[int, int | None] = dict.fromkeys(wanted)
    seen: set[tuple[int, Channel]] = set()
    for pair, state in computed.items():
        if pair[0] in wanted:
            seen.add(pair)
            _earliest(ends, pair[0], state.until_us if state.dnd else None)
    for pair, row in stored.items():
        if pair[0] in wanted and pair not in seen:
            _earliest(ends, pair[0], row.until_us if row.dnd else None)
    return ends


def _earliest(ends: dict[int, int | None], contact_id: int, until_us: int | None) -> None:
    if until_us is not None:
        known = ends[contact_id]
        ends[contact_id] = until_us if known is None else min(known, until_us)


def set_untils(session: Session, ends: dict[int, int | None]) -> None:
    """``contacts.dnd_until_us`` of each contact id (None: no DND of theirs has an end)."""
    if ends:
        conn = session.connection()
        conn.exec_driver_sql(
            f"UPDATE contacts SET dnd_until_us = {mark(conn)} WHERE id = {mark(conn)}",
            [(end, cid) for cid, end in ends.items()],
        )


#: The ledger columns a replay reads, in the order of :func:`_ledger_event`.
_REPLAY_COLUMNS = 'id, source, "key", at_us, channel, effect, kind, reason, address, contact_id, provider_cleared'
_REPLAY_COLUMNS += ", detail"


def _ledger_event(row: Sequence[Any]) -> Event:
    _, source, key, at_us, channel, effect, kind, reason, address, contact_id, cleared, detail = row
    return Event(
        source,
        key,
        at_us,
        CHANNELS[channel],
        EFFECTS[effect],
        KINDS[kind],
        reason,
        address,
        contact_id,
        bool(cleared),
        orjson.loads(detail) if detail else {},
    )


def replay_pairs(
    session: Session, location_id: int, pairs: list[tuple[int, Channel]]
) -> dict[tuple[int, Channel], tuple[ChannelState, str]]:
    """Replay many (contact, channel) pairs from the ledger with two queries, not two per pair."""
    if not pairs:
        return {}
    addresses = contact_addresses(session, [cid for cid, _ in pairs])
    wanted = {(cid, channel): channel_address(channel, *addresses.get(cid, (None, None))) for cid, channel in pairs}
    rows: dict[tuple[int, Channel], list[tuple[int, Event]]] = defaultdict(list)
    by_address: dict[tuple[str, str], list[tuple[int, Channel]]] = defaultdict(list)
    for pair, address in wanted.items():
        if address:
            by_address[(pair[1].value, address)].append(pair)
    conn = session.connection()
    live = "effect != 'none'"  # as a literal, so the partial indexes on the ledger apply
    ids = sorted({cid for cid, _ in pairs})
    sql = f"SELECT {_REPLAY_COLUMNS} FROM events WHERE {one_of(conn, 'contact_id', 'bigint')} AND {live}"
    for row in conn.exec_driver_sql(sql, (values_param(conn, ids),)).fetchall():
        key = (row[9], CHANNELS[row[4]])
        if key in wanted:
            rows[key].append((row[0], _ledger_event(row)))
    if by_address:
        sql = (
            f"SELECT {_REPLAY_COLUMNS} FROM events WHERE location_id = {mark(conn)}"
            f" AND {one_of(conn, 'address', 'varchar')} AND {live} AND contact_id IS NULL"
        )
        wanted_addresses = sorted({address for _, address in by_address})
        for row in conn.exec_driver_sql(sql, (location_id, values_param(conn, wanted_addresses))).fetchall():
            for pair in by_address.get((row[4], row[8]), ()):
                rows[pair].append((row[0], _ledger_event(row)))
    out: dict[tuple[int, Channel], tuple[ChannelState, str]] = {}
    for pair in pairs:
        history = rows.get(pair, [])
        last = max((order_text(e.at_us, e.effect, e.source, e.key) for _, e in history), default="")
        out[pair] = (replay(history), last)
    return out


def refresh_masks(
    session: Session,
    stored: dict[tuple[int, Channel], Any],
    changed: dict[tuple[int, Channel], tuple[ChannelState, ChannelState]],
) -> None:
    """Write the masks of the contacts whose DND channel set changed (``stored`` holds all their channels)."""
    if not changed:
        return
    touched = {cid for cid, _ in changed}
    before: dict[int, int] = dict.fromkeys(touched, 0)
    for (cid, channel), row in stored.items():
        if row.dnd and cid in touched:
            before[cid] |= channel.bit
    masks = dict(before)
    for (cid, channel), (_, after) in changed.items():
        masks[cid] = masks[cid] | channel.bit if after.dnd else masks[cid] & ~channel.bit
    set_masks(session, {cid: masks[cid] for cid in sorted(masks) if masks[cid] != before[cid]})  # in key order


def recompute_contacts(session: Session, location_id: int, contact_ids: Sequence[int]) -> None:
    """Replay every channel of these contacts from the ledger (after a contact is added or its address changes)."""
    if not contact_ids:
        return
    ids = sorted(set(contact_ids))
    computed = replay_pairs(session, location_id, [(cid, channel) for cid in ids for channel in CHANNEL_ORDER])
    old = load_states(session, ids)
    for chunk in chunked(ids):
        session.execute(delete(STATES).where(STATES.c.contact_id.in_(chunk)))
    rows: list[tuple[Any, ...]] = []
    masks = dict.fromkeys(ids, 0)
    for (cid, channel), (after, last) in computed.items():
        if not last:
            continue  # no event concerns this channel: no row, which reads as off
        prior = old.get((cid, channel))
        version = prior.version + 1 if prior else 1
        rows.append((cid, channel.value, *_state_tuple(after), last, version, prior.changed_by if prior else None))
        if after.dnd:
            masks[cid] |= channel.bit
    write_states(session, rows)
    set_masks(session, masks)
    afters = {pair: after for pair, (after, last) in computed.items() if last}
    ending = {cid for (cid, _), after in afters.items() if after.until_us is not None}
    ending.update(cid for (cid, _), row in old.items() if row.until_us is not None)
    if ending:
        set_untils(session, earliest_ends({}, afters, ending))
    notify(session, location_id, masks)
    open_held_reviews_for_contacts(session, location_id, ids)  # held opt-ins may concern a new number
