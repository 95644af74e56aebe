"""Inbound DND in the store: entries in the hash chain (through ``record_events``) and the ``inbound_states``
projection they leave, which status, ``check --inbound`` and the block-list export read.

An inbound entry has its channel and ``effect = 'none'``: every outbound reader (projection, history replay,
suppressions) filters on set and lift effects, so inbound DND can never leak into outbound state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import Channel
from console.domain.events import now_us
from console.domain.inbound import INBOUND_CHANNELS, INBOUND_OFF, InboundState, apply_inbound, inbound_event
from console.store.changes import notify
from console.store.insight_models import InboundStateRow
from console.store.ledger import record_events
from console.store.models import Contact
from console.store.tables import chunked


@dataclass(frozen=True, slots=True)
class StoredInbound:
    state: InboundState
    version: int
    changed_by: str | None


def inbound_states(session: Session, contact_id: int) -> dict[Channel, StoredInbound]:
    found = {c: StoredInbound(INBOUND_OFF, 0, None) for c in INBOUND_CHANNELS}
    for row in session.scalars(select(InboundStateRow).where(InboundStateRow.contact_id == contact_id)):
        state = InboundState(True, row.since_us, row.event_id) if row.dnd else INBOUND_OFF
        found[Channel(row.channel)] = StoredInbound(state, row.version, row.changed_by)
    return found


def inbound_states_many(session: Session, contact_ids: Sequence[int]) -> dict[tuple[int, Channel], InboundState]:
    """Inbound DND in effect for many contacts at once (only the channels that are on)."""
    out: dict[tuple[int, Channel], InboundState] = {}
    if not contact_ids:
        return out
    for chunk in chunked(sorted(set(contact_ids))):  # SQLite takes at most 32,766 parameters a statement
        rows = session.scalars(
            select(InboundStateRow).where(InboundStateRow.contact_id.in_(chunk), InboundStateRow.dnd)
        )
        for row in rows:
            out[(row.contact_id, Channel(row.channel))] = InboundState(True, row.since_us, row.event_id)
    return out


@dataclass(frozen=True, slots=True)
class InboundChange:
    channel: Channel
    before: InboundState
    after: InboundState
    event_id: int


@dataclass(frozen=True, slots=True)
class InboundOutcome:
    contact_id: int
    changed: tuple[InboundChange, ...]
    #: Channels left as they were, with why ("SMS is already inbound DND.").
    unchanged: tuple[tuple[Channel, str], ...]


def set_inbound(
    session: Session,
    contact: Contact,
    channels: Sequence[Channel],
    turn_on: bool,
    actor: str,
    note: str | None = None,
) -> InboundOutcome:
    """An agent's inbound change. Setting what is set, or lifting what is off, records nothing."""
    stored = inbound_states(session, contact.id)
    at, action = now_us(), uuid.uuid4().hex
    planned: list[Channel] = []
    unchanged: list[tuple[Channel, str]] = []
    for channel in channels:
        if channel not in INBOUND_CHANNELS:
            raise ValueError(f"{channel.value} has no inbound DND")
        if stored[channel].state.dnd == turn_on:
            word = "already inbound DND" if turn_on else "not inbound DND"
            unchanged.append((channel, f"{channel.label} is {word}."))
        else:
            planned.append(channel)
    events = [
        inbound_event(contact.id, channel, turn_on, at, f"{action}:in:{channel.value}", note) for channel in planned
    ]
    changes: list[InboundChange] = []
    if events:
        recorded = record_events(session, contact.location_id, events, actor)
        for channel, event, outcome in zip(planned, events, recorded.outcomes, strict=True):
            assert outcome.event_id is not None
            before = stored[channel].state
            after = apply_inbound(before, event, outcome.event_id)
            _write(session, contact.id, channel, after, actor, stored[channel].version)
            changes.append(InboundChange(channel, before, after, outcome.event_id))
        notify(session, contact.location_id, [contact.id], actor=actor)
    return InboundOutcome(contact.id, tuple(changes), tuple(unchanged))


def _write(session: Session, contact_id: int, channel: Channel, state: InboundState, actor: str, version: int) -> None:
    row = session.get(InboundStateRow, (contact_id, channel.value))
    if row is None:
        row = InboundStateRow(contact_id=contact_id, channel=channel.value, version=0)
        session.add(row)
    row.dnd, row.since_us, row.event_id = state.dnd, state.since_us, state.event_id
    row.changed_by, row.version = actor, version + 1
    session.flush()


@dataclass(frozen=True, slots=True)
class InboundBlock:
    address: str
    since_us: int


def inbound_blocks(session: Session, location_id: int, channel: Channel) -> Iterator[InboundBlock]:
    """The location's numbers with inbound DND on the channel, each once (a block list for the phone system)."""
    rows = session.execute(
        select(Contact.phone, InboundStateRow.since_us)
        .join(InboundStateRow, InboundStateRow.contact_id == Contact.id)
        .where(
            Contact.location_id == location_id,
            Contact.phone.isnot(None),
            InboundStateRow.channel == channel.value,
            InboundStateRow.dnd,
        )
        .order_by(Contact.phone, InboundStateRow.since_us)
    )
    seen: set[str] = set()
    for phone, since in rows:
        if phone is not None and phone not in seen:
            seen.add(phone)
            yield InboundBlock(phone, since or 0)
