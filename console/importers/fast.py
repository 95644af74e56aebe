"""Building ``Event`` and ``EventRecord`` named tuples for bulk imports without per-field overhead."""

from __future__ import annotations

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event
from console.importers.base import EventRecord


def make_event(
    source: str,
    key: str,
    at_us: int,
    channel: Channel,
    effect: Effect,
    kind: DndKind | None,
    reason: str,
    address: str | None,
    detail: dict[str, str],
) -> Event:
    """``Event(source, key, at_us, channel, effect, kind, reason, address, detail=detail)``, positionally."""
    return _new_event(Event, (source, key, at_us, channel, effect, kind, reason, address, None, False, detail))


def make_record(file: str, line: int, event: Event) -> EventRecord:
    """``EventRecord(file, line, event)``."""
    return _new_record(EventRecord, (file, line, event))


_new_event = tuple.__new__
_new_record = tuple.__new__
