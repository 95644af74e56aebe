"""Reading what a past-moment replay needs: a contact's ledger entries and the location's connection history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.at_time import ConnectionNote, Integration, LedgerRecord
from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.events import Effect
from console.domain.inbound import is_inbound
from console.store.history import contact_entry_queries
from console.store.models import Contact
from console.store.models import Integration as IntegrationRow
from console.store.tables import EVENTS, event_from_row

CHANNEL_NAMES = frozenset(c.value for c in CHANNEL_ORDER)
CONNECTION_REASONS = {"location.connected": True, "location.disconnected": False, "location.added": None}


@dataclass(frozen=True, slots=True)
class ContactRecords:
    """A contact's ledger entries per channel: outbound (by contact or address) and inbound."""

    outbound: dict[Channel, list[LedgerRecord]]
    inbound: dict[Channel, list[LedgerRecord]]

    def all_ids(self) -> set[int]:
        return {r.event_id for group in (self.outbound, self.inbound) for rows in group.values() for r in rows}


def contact_records(session: Session, contact: Contact, up_to_us: int | None = None) -> ContactRecords:
    """Every entry concerning the contact's channels (occurred by ``up_to_us`` when given)."""
    queries = contact_entry_queries(contact, up_to_us)
    outbound: dict[Channel, list[LedgerRecord]] = defaultdict(list)
    inbound: dict[Channel, list[LedgerRecord]] = defaultdict(list)
    for query in queries:
        for row in session.execute(query):
            event = event_from_row(row)
            if event.channel is None:
                continue
            record = LedgerRecord(row.id, event, row.recorded_at_us)
            if event.effect == Effect.NONE:
                if is_inbound(event):
                    inbound[event.channel].append(record)
            else:
                outbound[event.channel].append(record)
    return ContactRecords(dict(outbound), dict(inbound))


def integrations_now(session: Session, location_id: int) -> dict[Channel, Integration]:
    rows = session.execute(
        select(IntegrationRow.channel, IntegrationRow.connected, IntegrationRow.changed_at_us).where(
            IntegrationRow.location_id == location_id
        )
    )
    found = {Channel(channel): Integration(bool(connected), int(changed)) for channel, connected, changed in rows}
    return {c: found.get(c, Integration(False, 0)) for c in CHANNEL_ORDER}


def connection_notes(session: Session, location_id: int) -> list[ConnectionNote]:
    """The location's connect, disconnect and added notes (through the ``ix_events_notes`` index)."""
    rows = session.execute(
        select(EVENTS.c.id, EVENTS.c.at_us, EVENTS.c.recorded_at_us, EVENTS.c.reason, EVENTS.c.detail).where(
            EVENTS.c.location_id == location_id,
            EVENTS.c.channel.is_(None),
            EVENTS.c.contact_id.is_(None),
            EVENTS.c.reason.in_(list(CONNECTION_REASONS)),
        )
    )
    notes: list[ConnectionNote] = []
    for event_id, at_us, recorded_at_us, reason, detail in rows:
        names = str((orjson.loads(detail) if detail else {}).get("channels") or "")
        channels = frozenset(Channel(n.strip()) for n in names.split(",") if n.strip() in CHANNEL_NAMES)
        notes.append(ConnectionNote(event_id, at_us, recorded_at_us, channels, CONNECTION_REASONS[reason]))
    return notes
