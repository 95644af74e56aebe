"""The contact list as the window filters it, for ``contacts list`` and for exporting what the agent sees."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import TextIO

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.state import Status, status_of
from console.services.context import AppContext
from console.services.exports import spreadsheet_safe
from console.store.contact_list import ContactFilter, ContactRow, contact_chunks, count_contacts
from console.store.locations import connected_mask, get_location

DEFAULT_LIMIT = 100
CSV_COLUMNS = ("id", "name", "email", "phone", "status", *(f"dnd_{c.value}" for c in CHANNEL_ORDER))


@dataclass(frozen=True, slots=True)
class ListedContact:
    id: int
    name: str
    email: str | None
    phone: str | None
    status: Status
    #: The channels in DND (connected or not), with their kind.
    dnd: dict[Channel, DndKind]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "status": self.status.value,
            "dnd": {channel.value: kind.value for channel, kind in self.dnd.items()},
        }

    def csv_row(self) -> list[str]:
        cells = [str(self.id), self.name, self.email or "", self.phone or "", self.status.value]
        cells += [self.dnd[c].value if c in self.dnd else "" for c in CHANNEL_ORDER]
        return [spreadsheet_safe(cell) for cell in cells]


@dataclass(frozen=True, slots=True)
class ContactListResult:
    contacts: tuple[ListedContact, ...]
    #: Every match, before the limit.
    total: int

    def as_dict(self) -> dict[str, object]:
        return {"contacts": [c.as_dict() for c in self.contacts], "total": self.total}


def contact_filter(
    ctx: AppContext,
    location: str | None = None,
    search: str = "",
    status: Status | None = None,
    channel: Channel | None = None,
    kind: DndKind | None = None,
) -> ContactFilter:
    """The window's filter for a location named by the user (None: Default), in name order."""
    with ctx.store.read() as session:
        location_id = get_location(session, location).id
    return ContactFilter(location_id, search, status, channel, kind, region=ctx.region)


def _listed(row: ContactRow, connected: int) -> ListedContact:
    dnd = {channel: state.kind for channel, state in row.states.items() if state.dnd and state.kind is not None}
    ordered = {channel: dnd[channel] for channel in CHANNEL_ORDER if channel in dnd}
    return ListedContact(row.id, row.name, row.email, row.phone, status_of(row.dnd_mask, connected), ordered)


def list_contacts(ctx: AppContext, flt: ContactFilter, limit: int | None = DEFAULT_LIMIT) -> ContactListResult:
    """The first ``limit`` contacts of the filtered list (None: all of them) and how many match in all."""
    with ctx.store.read() as session:
        total = count_contacts(session, flt)
        connected = connected_mask(session, flt.location_id)
        rows = [_listed(row, connected) for chunk in contact_chunks(session, flt, limit) for row in chunk]
    return ContactListResult(tuple(rows), total)


def export_contacts_csv(ctx: AppContext, flt: ContactFilter, out: TextIO, limit: int | None = None) -> int:
    """Write the filtered list (every match unless ``limit``) as CSV, formula-safe; returns the rows written."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    written = 0
    with ctx.store.read() as session:
        connected = connected_mask(session, flt.location_id)
        for chunk in contact_chunks(session, flt, limit):
            writer.writerows(_listed(row, connected).csv_row() for row in chunk)
            written += len(chunk)
    return written
