"""The past on demand: a contact's state, or the outbound gate, at any moment (RULES.md "State at a past moment").

``status_at`` and ``check_at`` replay the ledger up to the moment (``console.domain.at_time``) for today's
contacts, with ``connected`` as it was then, and cite the entries each answer rests on. The window's History
date picker calls ``status_at`` the same way the command line does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from console.domain.at_time import ChannelAt, MomentError, channel_at, connected_at, parse_moment
from console.domain.channels import CHANNEL_ORDER, Channel, DndKind, mask_of
from console.domain.events import iso_utc
from console.domain.gate import SendDecision, decide_send
from console.domain.inbound import INBOUND_CHANNELS, InboundState, decide_inbound, inbound_at
from console.domain.state import ChannelState, status_of
from console.errors import InvalidInput
from console.services.context import AppContext
from console.store.contacts import find_contacts
from console.store.locations import get_location
from console.store.models import Contact, Location
from console.store.past import ContactRecords, connection_notes, contact_records, integrations_now


def moment(when: str | int) -> int:
    """A moment given as ISO 8601 text or microseconds; unreadable text is bad usage (exit 2)."""
    if isinstance(when, int):
        return when
    try:
        return parse_moment(when)
    except MomentError as exc:
        raise InvalidInput(f"--at: {exc}") from None


@dataclass(frozen=True, slots=True)
class ChannelThen:
    """One channel of a contact at a moment."""

    channel: Channel
    connected: bool
    state: ChannelState
    #: The ledger entries the state rests on (the set, or the last lift; none if never DND).
    entries: tuple[int, ...]
    #: Inbound DND (sms and call only) and the entries it rests on.
    inbound: InboundState | None = None
    inbound_entries: tuple[int, ...] = ()
    #: The connect or disconnect note ``connected`` rests on, when one tells.
    connection_entry: int | None = None

    def as_dict(self) -> dict[str, object]:
        state = self.state
        out: dict[str, object] = {
            "connected": self.connected,
            "dnd": state.dnd,
            "kind": state.kind.value if state.kind else None,
            "locked": state.locked,
            "reason": state.reason,
            "since": iso_utc(state.since_us),
            "source": state.source,
            "until": iso_utc(state.until_us),
            "entries": list(self.entries),
        }
        if self.inbound is not None:
            out["inbound"] = {**self.inbound.as_dict(), "entries": list(self.inbound_entries)}
        return out


@dataclass(frozen=True, slots=True)
class ContactThen:
    """A contact as the ledger had it at ``at_us`` (``status --at``)."""

    contact_id: int
    name: str
    email: str | None
    phone: str | None
    location: str
    at_us: int
    as_known_now: bool
    channels: tuple[ChannelThen, ...]

    @property
    def status(self) -> str:
        dnd = mask_of(c.channel.value for c in self.channels if c.state.dnd)
        connected = mask_of(c.channel.value for c in self.channels if c.connected)
        return status_of(dnd, connected).value

    def channel(self, channel: Channel) -> ChannelThen:
        return next(c for c in self.channels if c.channel == channel)

    @property
    def entries(self) -> tuple[int, ...]:
        cited = {e for c in self.channels for e in (*c.entries, *c.inbound_entries)}
        return tuple(sorted(cited))

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.contact_id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "location": self.location,
            "status": self.status,
            "channels": {c.channel.value: c.as_dict() for c in self.channels},
            "at": iso_utc(self.at_us),
            "as_known_now": self.as_known_now,
            "entries": list(self.entries),
        }


@dataclass(frozen=True, slots=True)
class CheckThen:
    """The outbound (or inbound) gate's answer at a moment, for the contact that decided it."""

    allowed: bool
    reason: str | None
    kind: DndKind | None
    at_us: int
    entries: tuple[int, ...]
    contact_id: int
    contact_name: str
    channel: Channel
    inbound: bool = False
    #: The end of the manual DND that blocked then, if it had one.
    until_us: int | None = None

    def as_dict(self) -> dict[str, object]:
        """``check --json``'s shape (``SendDecision.as_dict``) plus the moment and the entries it rests on."""
        decision = SendDecision(self.allowed, self.reason, self.kind, self.until_us).as_dict()
        return {**decision, "at": iso_utc(self.at_us), "entries": list(self.entries)}


def contact_then(session: Session, contact: Contact, location: Location, at_us: int, as_known_now: bool) -> ContactThen:
    """Replay one contact's entries up to ``at_us`` (the building block of both use cases)."""
    records = contact_records(session, contact, up_to_us=at_us)
    now = integrations_now(session, location.id)
    connected = connected_at(now, connection_notes(session, location.id), at_us, as_known_now, location.created_at_us)
    return ContactThen(
        contact.id,
        contact.name,
        contact.email,
        contact.phone,
        location.name,
        at_us,
        as_known_now,
        tuple(_channel_then(records, channel, connected[channel], at_us, as_known_now) for channel in CHANNEL_ORDER),
    )


def _channel_then(
    records: ContactRecords, channel: Channel, connection: tuple[bool, int | None], at_us: int, as_known_now: bool
) -> ChannelThen:
    outbound: ChannelAt = channel_at(records.outbound.get(channel, ()), at_us, as_known_now)
    connected, note = connection
    if channel not in INBOUND_CHANNELS:
        return ChannelThen(channel, connected, outbound.state, outbound.entries, connection_entry=note)
    inbound, inbound_entries = inbound_at(records.inbound.get(channel, ()), at_us, as_known_now)
    return ChannelThen(channel, connected, outbound.state, outbound.entries, inbound, inbound_entries, note)


def status_at(
    ctx: AppContext, contact: str, when: str | int, *, as_known_now: bool = False, location: str | None = None
) -> list[ContactThen]:
    """Every contact CONTACT names, as the ledger had it at ``when``."""
    at_us = moment(when)
    with ctx.store.read() as session:
        loc = get_location(session, location)
        found = find_contacts(session, contact, loc.id, ctx.region)
        return [contact_then(session, c, _location_of(session, c, loc), at_us, as_known_now) for c in found]


def check_at(
    ctx: AppContext,
    contact: str,
    channel: Channel,
    when: str | int,
    *,
    as_known_now: bool = False,
    inbound: bool = False,
    location: str | None = None,
) -> CheckThen:
    """May a message go out (or, ``inbound``, come in) at ``when``? Blocked if any contact with the address was."""
    if inbound and channel not in INBOUND_CHANNELS:
        raise InvalidInput(f"--inbound is for sms and call only (not {channel.value})")
    found = status_at(ctx, contact, when, as_known_now=as_known_now, location=location)
    answers = [_decide(then, channel, inbound) for then in found]
    blocked = [a for a in answers if not a.allowed]
    return blocked[0] if blocked else answers[0]


def _decide(then: ContactThen, channel: Channel, inbound: bool) -> CheckThen:
    ch = then.channel(channel)
    if inbound:
        assert ch.inbound is not None
        answer = decide_inbound(ch.inbound)
        return CheckThen(
            answer.allowed,
            answer.reason,
            answer.kind,
            then.at_us,
            ch.inbound_entries,
            then.contact_id,
            then.name,
            channel,
            inbound=True,
        )
    decision = decide_send(channel, ch.state, ch.connected, bool(then.email), bool(then.phone))
    entries = ch.entries
    if decision.reason == "not_connected" and ch.connection_entry is not None:
        entries = (ch.connection_entry,)
    return CheckThen(
        decision.allowed,
        decision.reason,
        decision.kind,
        then.at_us,
        entries,
        then.contact_id,
        then.name,
        channel,
        until_us=decision.until_us,
    )


def _location_of(session: Session, contact: Contact, default: Location) -> Location:
    if contact.location_id == default.id:
        return default
    found = session.get(Location, contact.location_id)
    assert found is not None
    return found
