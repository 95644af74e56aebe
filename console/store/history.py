"""A contact's ledger entries in order of occurrence, with each channel's state before and after."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from console.domain.channels import PHONE_CHANNELS, Channel, DndKind
from console.domain.events import Effect, Event, iso_utc
from console.domain.inbound import INBOUND_CHANNELS, INBOUND_OFF, InboundState, apply_inbound, is_inbound
from console.domain.state import OFF, ChannelState, apply_event, at_moment
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
    #: The name of the batch's file this record came from (None: not imported, or not known).
    batch_file: str | None = None

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
            "direction": "inbound" if is_inbound(ev) else "outbound",
        }


def contact_entry_queries(contact: Contact, up_to_us: int | None = None) -> list[Select[Any]]:
    """The ledger entries concerning the contact's channels (occurred by ``up_to_us`` when given): its own, those of
    its addresses, and its inbound DND (entries on sms and call with no outbound effect)."""
    when = [] if up_to_us is None else [EVENTS.c.at_us <= up_to_us]
    queries = [select(EVENTS).where(EVENTS.c.contact_id == contact.id, LIVE, *when)]
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
                    *when,
                )
            )
    queries.append(
        select(EVENTS).where(
            EVENTS.c.contact_id == contact.id,
            EVENTS.c.channel.in_([c.value for c in INBOUND_CHANNELS]),
            EVENTS.c.effect == Effect.NONE.value,
            *when,
        )
    )
    return queries


def contact_history(session: Session, contact: Contact) -> list[HistoryEntry]:
    queries = contact_entry_queries(contact)
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
    inbound: dict[Channel, InboundState] = defaultdict(lambda: INBOUND_OFF)
    entries: list[HistoryEntry] = []
    for row, ev in events:
        assert ev.channel is not None
        if ev.effect == Effect.NONE:
            if not is_inbound(ev):
                continue
            was = inbound[ev.channel]
            inbound[ev.channel] = apply_inbound(was, ev, row.id)
            before, after = _as_channel_state(was), _as_channel_state(inbound[ev.channel])
        else:
            before = at_moment(states[ev.channel], ev.at_us)  # a manual DND whose end came is off by now
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
                record_file(files.get(row.batch_id), row.id, ev.source) if row.batch_id is not None else None,
            )
        )
    return entries


def record_file(files_text: str | None, event_id: int, source: str) -> str | None:
    """Which of a batch's files a ledger entry came from: the file whose entry ids hold it (batches from this
    revision on), else the only file of the entry's provider; None when that cannot be told."""
    try:
        files = orjson.loads(files_text) if files_text else []
    except orjson.JSONDecodeError:
        return None
    if not isinstance(files, list):
        return None
    listed = [f for f in files if isinstance(f, dict)]
    for f in listed:
        span = f.get("events")
        if isinstance(span, list) and len(span) == 2 and span[0] <= event_id <= span[1]:
            return str(f.get("name") or f.get("path"))
    same = [f for f in listed if str(f.get("format", "")).split("-")[0] == source]
    return str(same[0].get("name") or same[0].get("path")) if len(same) == 1 else None


def _as_channel_state(state: InboundState) -> ChannelState:
    """Inbound DND in the history's before/after shape: a manual DND (no lock, no end)."""
    if not state.dnd:
        return OFF
    return ChannelState(True, DndKind.MANUAL, "manual", state.since_us, "agent", state.event_id)
