"""Typed read models of a contact for the front ends: who it is, its status, the outbound check, its history,
and a page of the contact list. Plain frozen values: safe to hand to another thread or the window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel, mask_of
from console.domain.events import iso_utc
from console.domain.gate import SendDecision
from console.domain.state import ChannelState, Status, status_of
from console.services.base import ContactRef, LocationRef, channel, contacts
from console.services.context import AppContext
from console.store.contact_list import (
    ContactFilter,
    ContactRow,
    contact_page,
    contact_rows,
    count_contacts,
    count_contacts_up_to,
)
from console.store.history import HistoryEntry, contact_history
from console.store.locations import connected_channels
from console.store.models import Contact, Location
from console.store.queries import can_send, channel_states


@dataclass(frozen=True, slots=True)
class ContactView:
    id: int
    location_id: int
    location: str
    name: str
    email: str | None
    phone: str | None
    external_id: str | None

    @property
    def label(self) -> str:
        return f"#{self.id} {self.name}"


def contact_view(session: Session, contact: Contact) -> ContactView:
    place = session.get(Location, contact.location_id)
    return ContactView(
        contact.id,
        contact.location_id,
        place.name if place else "",
        contact.name,
        contact.email,
        contact.phone,
        contact.external_id,
    )


@dataclass(frozen=True, slots=True)
class ChannelView:
    """One channel of a contact: its state, whether the location has it connected, and its version (for the
    optimistic check of a toggle) with who changed it last."""

    channel: Channel
    connected: bool
    state: ChannelState
    version: int
    changed_by: str | None

    def as_dict(self) -> dict[str, object]:
        s = self.state
        return {
            "connected": self.connected,
            "dnd": s.dnd,
            "kind": s.kind.value if s.kind else None,
            "locked": s.locked,
            "reason": s.reason,
            "since": iso_utc(s.since_us),
            "source": s.source,
            "until": iso_utc(s.until_us),
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class StatusView:
    contact: ContactView
    status: Status
    channels: tuple[ChannelView, ...]

    def channel(self, wanted: Channel) -> ChannelView:
        return next(c for c in self.channels if c.channel == wanted)

    def as_dict(self) -> dict[str, object]:
        """The ``status --json`` shape of CLI.md for one contact."""
        c = self.contact
        return {
            "id": c.id,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "location": c.location or None,
            "status": self.status.value,
            "channels": {ch.channel.value: ch.as_dict() for ch in self.channels},
        }


def status_of_contact(session: Session, contact: Contact) -> StatusView:
    connected = connected_channels(session, contact.location_id)
    stored = channel_states(session, contact.id)
    views = tuple(
        ChannelView(ch, ch in connected, stored[ch].state, stored[ch].version, stored[ch].changed_by)
        for ch in CHANNEL_ORDER
    )
    dnd_mask = mask_of(v.channel for v in views if v.state.dnd)
    return StatusView(contact_view(session, contact), status_of(dnd_mask, mask_of(connected)), views)


def status(ctx: AppContext, contact: ContactRef, location: LocationRef = None) -> list[StatusView]:
    """Each named contact's DND on every channel, and its status badge."""
    with ctx.store.read() as session:
        return [status_of_contact(session, c) for c in contacts(ctx, session, contact, location)]


@dataclass(frozen=True, slots=True)
class CheckView:
    contact: ContactView
    channel: Channel
    decision: SendDecision


def check(ctx: AppContext, contact: ContactRef, wanted: Channel | str, location: LocationRef = None) -> CheckView:
    """May a message go out? When several contacts share the address, blocked if any of them is."""
    which = channel(wanted)
    with ctx.store.read() as session:
        found = [(c, can_send(session, c.id, which)) for c in contacts(ctx, session, contact, location)]
        blocked = [pair for pair in found if not pair[1].allowed]
        target, decision = blocked[0] if blocked else found[0]
        return CheckView(contact_view(session, target), which, decision)


@dataclass(frozen=True, slots=True)
class HistoryView:
    contact: ContactView
    entries: tuple[HistoryEntry, ...]


def history(ctx: AppContext, contact: ContactRef, location: LocationRef = None) -> list[HistoryView]:
    """Each named contact's ledger entries in order of occurrence, with the state before and after."""
    with ctx.store.read() as session:
        return [
            HistoryView(contact_view(session, c), tuple(contact_history(session, c)))
            for c in contacts(ctx, session, contact, location)
        ]


@dataclass(frozen=True, slots=True)
class ContactPage:
    """One page of the filtered, sorted contact list, the total count of matches, and the connected channels."""

    rows: tuple[ContactRow, ...]
    total: int
    offset: int
    connected: frozenset[Channel]
    #: False when ``total`` is a lower bound (asked with ``count_cap``): more match; count them with count_list.
    exact: bool = True


def contact_list_page(ctx: AppContext, flt: ContactFilter, offset: int = 0, limit: int = 200,
                      count_cap: int | None = None) -> ContactPage:
    """A page of the window's list (and ``contacts list``), filtered in SQL: a million contacts are never loaded.

    ``count_cap``: past that many matches the total is only known to be larger (``exact`` False), so a search
    that matches a fifth of a million contacts answers at once; :func:`count_list` then counts them all."""
    with ctx.store.read() as session:
        if count_cap is None:
            total, exact = count_contacts(session, flt), True
        else:
            total, exact = count_contacts_up_to(session, flt, count_cap)
        return ContactPage(
            tuple(contact_page(session, flt, offset, limit)),
            total,
            offset,
            connected_channels(session, flt.location_id),
            exact,
        )


def count_list(ctx: AppContext, flt: ContactFilter) -> int:
    """Every match of the list's filter, counted."""
    with ctx.store.read() as session:
        return count_contacts(session, flt)


def contact_rows_by_id(ctx: AppContext, ids: Sequence[int]) -> dict[int, ContactRow]:
    """Fresh list rows for these contacts (after a change)."""
    with ctx.store.read() as session:
        return contact_rows(session, ids)


def contact_list_rows(ctx: AppContext, flt: ContactFilter, offset: int, limit: int) -> tuple[ContactRow, ...]:
    """A further page of the list, without counting the matches again (the window scrolling down)."""
    with ctx.store.read() as session:
        return tuple(contact_page(session, flt, offset, limit))
