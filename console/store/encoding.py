"""How the store writes the domain's values as plain ones (no SQLAlchemy here: import processes use it too).

Channel, effect and kind as their string values, an event as plain JSON-able values (to pass it between
processes) and the order text that sorts like ``order_key``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, order_key

#: The ledger's times are 64-bit (BIGINT): the order text covers all of them.
_TIME_OFFSET = 1 << 63


def order_text(at_us: int, effect: str, source: str, key: str) -> str:
    """``order_key`` as text that sorts the same way, for every time the store can hold.

    The time is 20 characters: a time from 1970 on as its zero-padded digits (as stored before revision 0008),
    an earlier one as ``-`` and the 19 digits of ``at_us + 2**63``, so earlier negatives sort first and every
    negative sorts before every positive (``-`` < ``0``). Zero-padding a negative number (``-000...05`` after
    ``-000...10``) put the later of two pre-1970 times first. Sources are the console's own names, none a prefix
    of another, so the ``|`` after them never decides an order.
    """
    at, rank, src, k = order_key(at_us, effect, source, key)
    if at < 0:
        return f"-{at + _TIME_OFFSET:019d}|{rank}|{src}|{k}"
    return f"{at:020d}|{rank}|{src}|{k}"


#: Enum members to their plain string values (a dict lookup is much cheaper than ``.value`` in a hot loop).
VALUE: dict[Any, str | None] = {None: None, **{m: m.value for e in (Channel, Effect, DndKind) for m in e}}


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
