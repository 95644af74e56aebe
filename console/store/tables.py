"""The ledger's tables as SQL, and the conversions between their rows and domain events and states."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import Table, literal_column

from console.domain.channels import PHONE_CHANNELS, Channel, DndKind
from console.domain.events import Effect, Event, order_key
from console.domain.state import OFF, ChannelState
from console.store.models import ChannelStateRow, Contact, LedgerEntry

EVENTS = cast(Table, LedgerEntry.__table__)


STATES = cast(Table, ChannelStateRow.__table__)


CONTACTS = cast(Table, Contact.__table__)


CHUNK = 10_000


#: Set and lift events; written as a literal so the partial indexes on the ledger apply.
LIVE = EVENTS.c.effect != literal_column("'none'")


def order_text(at_us: int, effect: str, source: str, key: str) -> str:
    at, rank, src, k = order_key(at_us, effect, source, key)
    return f"{at:020d}|{rank}|{src}|{k}"


def chunked(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Enum members to their plain string values (a dict lookup is much cheaper than ``.value`` in a hot loop).
VALUE: dict[Any, str | None] = {None: None, **{m: m.value for e in (Channel, Effect, DndKind) for m in e}}


def state_from_row(row: Any) -> ChannelState:
    if row is None or not row.dnd:
        return OFF
    return ChannelState(True, DndKind(row.kind), row.reason, row.since_us, row.source, row.event_id)


def channel_address(channel: Channel, email: str | None, phone: str | None) -> str | None:
    if channel == Channel.EMAIL:
        return email
    if channel in PHONE_CHANNELS:
        return phone
    return None


CHANNELS: dict[str | None, Channel | None] = {None: None, **{c.value: c for c in Channel}}


EFFECTS = {e.value: e for e in Effect}


KINDS: dict[str | None, DndKind | None] = {None: None, **{k.value: k for k in DndKind}}


def event_values(ev: Event) -> tuple[Any, ...]:
    """An event as plain JSON-able values (for passing between processes); ``event_from_values`` reverses it."""
    return (ev.source, ev.key, ev.at_us, VALUE[ev.channel], VALUE[ev.effect], VALUE[ev.kind], ev.reason,
            ev.address, ev.contact_id, ev.provider_cleared, ev.detail)


def event_from_values(values: Sequence[Any]) -> Event:
    source, key, at_us, channel, effect, kind, reason, address, contact_id, cleared, detail = values
    return Event(source, key, at_us, CHANNELS[channel], EFFECTS[effect], KINDS[kind], reason, address, contact_id,
                 cleared, detail)


def event_from_row(row: Any) -> Event:
    return Event(
        source=row.source,
        key=row.key,
        at_us=row.at_us,
        channel=Channel(row.channel) if row.channel else None,
        effect=Effect(row.effect),
        kind=DndKind(row.kind) if row.kind else None,
        reason=row.reason,
        address=row.address,
        contact_id=row.contact_id,
        provider_cleared=bool(row.provider_cleared),
        detail=orjson.loads(row.detail) if row.detail else {},
    )
