"""A contact's ledger entries in order of occurrence, with each channel's state before and after."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import PHONE_CHANNELS, Channel
from console.domain.events import Event, iso_utc
from console.domain.state import OFF, ChannelState, apply_event
from console.store.models import Contact, ImportBatch
from console.store.tables import EVENTS, LIVE, event_from_row


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    event_id: int
    event: Event
    recorded_at_us: int
    actor: str
    batch_id: int | None
    batch_files: str | None
    before: ChannelState
    after: ChannelState

    def as_dict(self) -> dict[str, object]:
        ev = self.event
        return {
            "at": iso_utc(ev.at_us),
            "recorded_at": iso_utc(self.recorded_at_us),
            "channel": ev.channel.value if ev.channel else None,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "actor": self.actor,
            "source": ev.source,
            "reason": ev.reason,
            "event": self.event_id,
            "effect": ev.effect.value,
            "batch": self.batch_id,
            "detail": ev.detail or None,
        }


def contact_history(session: Session, contact: Contact) -> list[HistoryEntry]:
    queries = [select(EVENTS).where(EVENTS.c.contact_id == contact.id, LIVE)]
    for address, channels in (
        (contact.email, [Channel.EMAIL.value]),
        (contact.phone, [c.value for c in PHONE_CHANNELS]),
    ):
        if address:
            queries.append(
                select(EVENTS).where(
                    EVENTS.c.location_id == contact.location_id,
                    EVENTS.c.address == address,
                    EVENTS.c.channel.in_(channels),
                    LIVE,
                    EVENTS.c.contact_id.is_(None),
                )
            )
    rows = [row for query in queries for row in session.execute(query)]
    batch_ids = {r.batch_id for r in rows if r.batch_id is not None}
    files: dict[int, str] = {}
    if batch_ids:
        for bid, text in session.execute(
            select(ImportBatch.id, ImportBatch.files).where(ImportBatch.id.in_(batch_ids))
        ):
            files[bid] = text
    events = sorted(((row, event_from_row(row)) for row in rows), key=lambda pair: pair[1].order_key)
    states: dict[Channel, ChannelState] = defaultdict(lambda: OFF)
    entries: list[HistoryEntry] = []
    for row, ev in events:
        assert ev.channel is not None
        before = states[ev.channel]
        after = apply_event(before, ev, row.id)
        states[ev.channel] = after
        entries.append(
            HistoryEntry(
                row.id,
                ev,
                row.recorded_at_us,
                row.actor,
                row.batch_id,
                files.get(row.batch_id) if row.batch_id is not None else None,
                before,
                after,
            )
        )
    return entries
