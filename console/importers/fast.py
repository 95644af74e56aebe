"""Building ``Event`` and ``EventRecord`` objects quickly for bulk imports.

Frozen dataclasses set each field through ``object.__setattr__``, which dominates the cost of a record
when a million are parsed. These helpers write the slots directly and give equal objects; they fall back
to the regular constructors if the classes ever stop being plain slotted dataclasses.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event
from console.importers.base import EventRecord

_EVENT_FIELDS = (
    "source",
    "key",
    "at_us",
    "channel",
    "effect",
    "kind",
    "reason",
    "address",
    "contact_id",
    "provider_cleared",
    "detail",
)


def _slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Any, ...] | None:
    fields = tuple(f.name for f in dataclasses.fields(cls))
    if fields != names or hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__:
        return None
    return tuple(cls.__dict__[name].__set__ for name in names)


_EVENT_SET = _slot_setters(Event, _EVENT_FIELDS)
_RECORD_SET = _slot_setters(EventRecord, ("file", "line", "event"))
_new = object.__new__


def make_event(
    source: str,
    key: str,
    at_us: int,
    channel: Channel,
    effect: Effect,
    kind: DndKind | None,
    reason: str,
    address: str,
    detail: dict[str, str],
) -> Event:
    """``Event(source, key, at_us, channel, effect, kind, reason, address, detail=detail)``, faster."""
    if _EVENT_SET is None:
        return Event(source, key, at_us, channel, effect, kind, reason, address, detail=detail)
    event: Event = _new(Event)
    (
        s_source,
        s_key,
        s_at,
        s_channel,
        s_effect,
        s_kind,
        s_reason,
        s_address,
        s_contact,
        s_cleared,
        s_detail,
    ) = _EVENT_SET
    s_source(event, source)
    s_key(event, key)
    s_at(event, at_us)
    s_channel(event, channel)
    s_effect(event, effect)
    s_kind(event, kind)
    s_reason(event, reason)
    s_address(event, address)
    s_contact(event, None)
    s_cleared(event, False)
    s_detail(event, detail)
    return event


def make_record(file: str, line: int, event: Event) -> EventRecord:
    """``EventRecord(file, line, event)``, faster."""
    if _RECORD_SET is None:
        return EventRecord(file, line, event)
    record: EventRecord = _new(EventRecord)
    set_file, set_line, set_event = _RECORD_SET
    set_file(record, file)
    set_line(record, line)
    set_event(record, event)
    return record
