"""Reading a contact's DND: per-channel states, the status badge and the outbound gate."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind, mask_of
from console.domain.events import iso_utc, now_us
from console.domain.gate import SendDecision, decide_send
from console.domain.state import OFF, ChannelState, at_moment, status_of
from console.errors import NotFound
from console.store.locations import connected_channels
from console.store.models import ChannelStateRow, Contact, Integration, LedgerEntry, Location


@dataclass(frozen=True, slots=True)
class StoredState:
    state: ChannelState
    version: int
    changed_by: str | None


def channel_states(session: Session, contact_id: int, now: int | None = None) -> dict[Channel, StoredState]:
    """The contact's six channel states as they read at ``now`` (default: this moment): a manual DND whose end
    has come reads as off (its row keeps its version)."""
    at = now_us() if now is None else now
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
            state = ChannelState(
                True,
                DndKind(row.kind),
                row.reason,
                row.since_us,
                row.source,
                row.event_id,
                orjson.loads(detail) if detail else None,
                row.until_us,
            )
        states[channel] = StoredState(at_moment(state, at), row.version, row.changed_by)
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
            "connected": channel in connected,
            "dnd": state.dnd,
            "kind": state.kind.value if state.kind else None,
            "locked": state.locked,
            "reason": state.reason,
            "since": iso_utc(state.since_us),
            "source": state.source,
            "until": iso_utc(state.until_us),
        }
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "location": location.name if location else None,
        "status": status_of(dnd_mask, mask_of(connected)).value,
        "channels": channels,
    }


def can_send(session: Session, contact_id: int, channel: Channel) -> SendDecision:
    """May a message, automated or manual, go to this contact on this channel? One indexed query."""
    connected = (
        select(Integration.connected)
        .where(Integration.location_id == Contact.location_id, Integration.channel == channel.value)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            Contact.email,
            Contact.phone,
            connected,
            ChannelStateRow.dnd,
            ChannelStateRow.kind,
            ChannelStateRow.reason,
            ChannelStateRow.until_us,
        )
        .outerjoin(
            ChannelStateRow, (ChannelStateRow.contact_id == Contact.id) & (ChannelStateRow.channel == channel.value)
        )
        .where(Contact.id == contact_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no contact with id {contact_id}")
    email, phone, is_connected, dnd, kind, reason, until = row
    state = at_moment(ChannelState(True, DndKind(kind), reason, until_us=until), now_us()) if dnd and kind else OFF
    return decide_send(channel, state, bool(is_connected), bool(email), bool(phone))
