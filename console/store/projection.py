"""The projection: each (contact, channel) state as the ledger replays it, kept in ``channel_states``.

A new event later than a channel's latest is applied to the stored state; an older one makes that channel
replay from the ledger, so order and split of imports never matter. ``contacts.dnd_mask`` follows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, PHONE_CHANNELS, Channel
from console.domain.events import Effect, Event
from console.domain.state import ChannelState, apply_event, replay
from console.store.changes import notify
from console.store.held_opt_ins import open_held_reviews_for_contacts
from console.store.tables import (
    CONTACTS,
    EVENTS,
    LIVE,
    STATES,
    VALUE,
    channel_address,
    chunked,
    event_from_row,
    order_text,
    state_from_row,
)


def match_contacts(
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
    for chunk in chunked(emails):
        for cid, email in session.execute(
            select(CONTACTS.c.id, CONTACTS.c.email).where(
                CONTACTS.c.location_id == location_id, CONTACTS.c.email.in_(chunk)
            )
        ):
            by_email[email].append(cid)
    for chunk in chunked(phones):
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


def load_states(session: Session, contact_ids: Sequence[int]) -> dict[tuple[int, Channel], Any]:
    loaded: dict[tuple[int, Channel], Any] = {}
    for chunk in chunked(sorted(set(contact_ids))):
        for row in session.execute(select(STATES).where(STATES.c.contact_id.in_(chunk))):
            loaded[(row.contact_id, Channel(row.channel))] = row
    return loaded


def contact_addresses(session: Session, contact_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    found: dict[int, tuple[str | None, str | None]] = {}
    for chunk in chunked(sorted(set(contact_ids))):
        for cid, email, phone in session.execute(
            select(CONTACTS.c.id, CONTACTS.c.email, CONTACTS.c.phone).where(CONTACTS.c.id.in_(chunk))
        ):
            found[cid] = (email, phone)
    return found


def apply_to_pairs(
    session: Session,
    location_id: int,
    pairs: dict[tuple[int, Channel], list[tuple[int, Event]]],
    actor: str,
    changed: dict[tuple[int, Channel], tuple[ChannelState, ChannelState]],
) -> None:
    contact_ids = [cid for cid, _ in pairs]
    stored = load_states(session, contact_ids)
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
    computed.update(replay_pairs(session, location_id, late))
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for (contact_id, channel), (after, last_text) in computed.items():
        row = stored.get((contact_id, channel))
        before = state_from_row(row)
        differs = after != before
        values = (*_state_tuple(after), last_text, actor if differs or row is None else row.changed_by)
        if row is None:
            inserts.append((*values, 1, contact_id, channel.value))
        else:
            updates.append((*values, row.version + (1 if differs else 0), contact_id, channel.value))
        if differs:
            changed[(contact_id, channel)] = (before, after)
    write_states(session, inserts, updates)
    refresh_masks(session, stored, changed)


STATE_COLUMNS = ("dnd", "kind", "reason", "since_us", "source", "event_id", "last_order", "changed_by")


def write_states(session: Session, inserts: list[tuple[Any, ...]], updates: list[tuple[Any, ...]]) -> None:
    """Rows of (*STATE_COLUMNS, version, contact_id, channel), inserted or updated with the driver's executemany."""
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


def set_masks(session: Session, masks: dict[int, int]) -> None:
    """``contacts.dnd_mask`` of each contact id."""
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    session.connection().exec_driver_sql(
        f"UPDATE contacts SET dnd_mask = {mark} WHERE id = {mark}", [(mask, cid) for cid, mask in masks.items()]
    )


def _state_tuple(state: ChannelState) -> tuple[Any, ...]:
    return (state.dnd, VALUE[state.kind], state.reason, state.since_us, state.source, state.event_id)


def replay_pairs(
    session: Session, location_id: int, pairs: list[tuple[int, Channel]]
) -> dict[tuple[int, Channel], tuple[ChannelState, str]]:
    """Replay many (contact, channel) pairs from the ledger with a few queries, not two per pair."""
    if not pairs:
        return {}
    addresses = contact_addresses(session, [cid for cid, _ in pairs])
    wanted = {(cid, channel): channel_address(channel, *addresses.get(cid, (None, None))) for cid, channel in pairs}
    rows: dict[tuple[int, Channel], list[tuple[int, Event]]] = defaultdict(list)
    by_address: dict[tuple[str, str], list[tuple[int, Channel]]] = defaultdict(list)
    for pair, address in wanted.items():
        if address:
            by_address[(pair[1].value, address)].append(pair)
    ids = sorted({cid for cid, _ in pairs})
    for chunk in chunked(ids):
        for row in session.execute(select(EVENTS).where(EVENTS.c.contact_id.in_(chunk), LIVE)):
            pair = (row.contact_id, Channel(row.channel))
            if pair in wanted:
                rows[pair].append((row.id, event_from_row(row)))
    for chunk in chunked(sorted({address for _, address in by_address})):
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


def refresh_masks(
    session: Session,
    stored: dict[tuple[int, Channel], Any],
    changed: dict[tuple[int, Channel], tuple[ChannelState, ChannelState]],
) -> None:
    if not changed:
        return
    masks: dict[int, int] = defaultdict(int)
    touched = {cid for cid, _ in changed}
    for (cid, channel), row in stored.items():
        if cid in touched and row.dnd:
            masks[cid] |= channel.bit
    for (cid, channel), (_, after) in changed.items():
        masks[cid] = masks[cid] | channel.bit if after.dnd else masks[cid] & ~channel.bit
    set_masks(session, masks)


def recompute_contacts(session: Session, location_id: int, contact_ids: Sequence[int]) -> None:
    """Replay every channel of these contacts from the ledger (after a contact is added or its address changes)."""
    if not contact_ids:
        return
    ids = sorted(set(contact_ids))
    computed = replay_pairs(session, location_id, [(cid, channel) for cid in ids for channel in CHANNEL_ORDER])
    old = load_states(session, ids)
    for chunk in chunked(ids):
        session.execute(delete(STATES).where(STATES.c.contact_id.in_(chunk)))
    inserts: list[tuple[Any, ...]] = []
    masks = dict.fromkeys(ids, 0)
    for (cid, channel), (after, last) in computed.items():
        if not last:
            continue  # no event concerns this channel: no row, which reads as off
        prior = old.get((cid, channel))
        version = prior.version + 1 if prior else 1
        inserts.append((*_state_tuple(after), last, prior.changed_by if prior else None, version, cid, channel.value))
        if after.dnd:
            masks[cid] |= channel.bit
    write_states(session, inserts, [])
    set_masks(session, masks)
    notify(session, location_id, masks)
    open_held_reviews_for_contacts(session, location_id, ids)  # held opt-ins may concern a new number
