"""Reading a contact's DND: per-channel states, the status badge and the outbound gate."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind, mask_of
from console.domain.events import iso_utc
from console.domain.gate import SendDecision, decide_send
from console.domain.state import OFF, ChannelState, Status, status_of
from console.errors import NotFound
from console.store.locations import connected_channels
from console.store.models import ChannelStateRow, Contact, LedgerEntry, Location


@dataclass(frozen=True, slots=True)
class StoredState:
    state: ChannelState
    version: int
    changed_by: str | None


def channel_states(session: Session, contact_id: int) -> dict[Channel, StoredState]:
    rows = session.execute(
        select(ChannelStateRow, LedgerEntry.detail)
        .outerjoin(LedgerEntry, LedgerEntry.id == ChannelStateRow.event_id)
        .where(ChannelStateRow.contact_id == contact_id)
    )
    states = {c: StoredState(OFF, 0, None) for c in CHANNEL_ORDER}
    for row, detail in rows:
        channel = Channel(row.channel)
        state = OFF
        if row.dnd and row.kind:
            state = ChannelState(True, DndKind(row.kind), row.reason, row.since_us, row.source, row.event_id,
                                 orjson.loads(detail) if detail else None)  # fmt: skip
        states[channel] = StoredState(state, row.version, row.changed_by)
    return states


def contact_status(session: Session, contact: Contact) -> dict[str, object]:
    """The ``status`` shape of CLI.md for one contact."""
    connected = connected_channels(session, contact.location_id)
    states = channel_states(session, contact.id)
    dnd_mask = mask_of(c for c, s in states.items() if s.state.dnd)
    location = session.get(Location, contact.location_id)
    channels: dict[str, object] = {}
    for channel in CHANNEL_ORDER:
        state = states[channel].state
        channels[channel.value] = {
            "connected": channel in connected, "dnd": state.dnd,
            "kind": state.kind.value if state.kind else None, "locked": state.locked,
            "reason": state.reason, "since": iso_utc(state.since_us), "source": state.source,
        }  # fmt: skip
    return {
        "id": contact.id, "name": contact.name, "email": contact.email, "phone": contact.phone,
        "location": location.name if location else None,
        "status": status_of(dnd_mask, mask_of(connected)).value, "channels": channels,
    }  # fmt: skip


def status_badge(session: Session, contact: Contact) -> Status:
    return status_of(contact.dnd_mask, mask_of(connected_channels(session, contact.location_id)))


def can_send(session: Session, contact_id: int, channel: Channel) -> SendDecision:
    """May a message, automated or manual, go to this contact on this channel?"""
    contact = session.execute(
        select(Contact.location_id, Contact.email, Contact.phone).where(Contact.id == contact_id)
    ).one_or_none()
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    row = session.get(ChannelStateRow, (contact_id, channel.value))
    state = OFF
    if row is not None and row.dnd and row.kind:
        state = ChannelState(True, DndKind(row.kind), row.reason, row.since_us, row.source, row.event_id)
    connected = channel in connected_channels(session, contact.location_id)
    return decide_send(channel, state, connected, bool(contact.email), bool(contact.phone))
