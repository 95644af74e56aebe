"""State at a past moment (RULES.md "State at a past moment"): the ledger replayed up to that moment.

Two questions share one replay. "What did the console say then?" sees only entries recorded by then;
"what was true then, as we know it now?" (``as_known_now``) sees every entry known today. Either way only
entries that occurred by then count, so the answer for a moment never depends on anything after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.events import Event, to_us
from console.domain.state import OFF, ChannelState, apply_event, expired


class MomentError(ValueError):
    """A moment that cannot be read (bad usage)."""


def parse_moment(text: str) -> int:
    """Microseconds of an ISO 8601 moment; a date alone is 00:00:00Z and a time without a zone is UTC."""
    raw = text.strip()
    if not raw:
        raise MomentError("a moment is needed (ISO 8601, e.g. 2025-03-01 or 2025-03-01T10:00:00Z)")
    try:
        moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw)
    except ValueError:
        raise MomentError(f"not an ISO 8601 moment: {raw!r} (e.g. 2025-03-01 or 2025-03-01T10:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_us(moment)


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One ledger entry as a past-moment replay needs it: its id, the event, and when it was recorded."""

    event_id: int
    event: Event
    recorded_at_us: int


def visible(record: LedgerRecord, at_us: int, as_known_now: bool) -> bool:
    """Whether an entry counts for the state at ``at_us``: it occurred by then, and (unless as known now)
    the console had recorded it by then."""
    if record.event.at_us > at_us:
        return False
    return as_known_now or record.recorded_at_us <= at_us


@dataclass(frozen=True, slots=True)
class ChannelAt:
    """A channel's state at a moment, and the entries that answer rests on."""

    state: ChannelState
    #: For DND the entry that set it; for off the last lift that took effect (none if it never was DND).
    entries: tuple[int, ...]


def channel_at(records: Iterable[LedgerRecord], at_us: int, as_known_now: bool = False) -> ChannelAt:
    """Replay one (contact, channel)'s entries up to ``at_us`` by the same rules as the live projection."""
    state = OFF
    last_lift: int | None = None
    seen = sorted((r for r in records if visible(r, at_us, as_known_now)), key=lambda r: r.event.order_key)
    for record in seen:
        if expired(state, record.event.at_us):  # a manual DND's end came first: its entry is what ended it
            last_lift, state = state.event_id, OFF
        after = apply_event(state, record.event, record.event_id)
        if state.dnd and not after.dnd:
            last_lift = record.event_id
        state = after
    if expired(state, at_us):
        return ChannelAt(OFF, () if state.event_id is None else (state.event_id,))
    if state.dnd and state.event_id is not None:
        return ChannelAt(state, (state.event_id,))
    return ChannelAt(state, () if last_lift is None else (last_lift,))


@dataclass(frozen=True, slots=True)
class ConnectionNote:
    """A ledger note that connected or disconnected channels of a location (or added it with its channels)."""

    event_id: int
    at_us: int
    recorded_at_us: int
    channels: frozenset[Channel]
    #: True: these channels were connected; False: disconnected; None: the location was added with these connected.
    connected: bool | None


@dataclass(frozen=True, slots=True)
class Integration:
    """A location's channel as it is now, and when it last changed."""

    connected: bool
    changed_at_us: int


def connected_at(
    now: Mapping[Channel, Integration],
    notes: Sequence[ConnectionNote],
    at_us: int,
    as_known_now: bool = False,
    created_at_us: int = 0,
) -> dict[Channel, tuple[bool, int | None]]:
    """Each channel's connection at ``at_us``, with the note it rests on (None when no note tells).

    A channel unchanged since ``at_us`` (or since the location was created) is as it is now. Otherwise the
    latest connect or disconnect note by then tells; failing that, the channels the location was added with
    (a location starts with all six connected unless its note says otherwise).
    """
    out: dict[Channel, tuple[bool, int | None]] = {}
    ordered = sorted(notes, key=lambda n: (n.at_us, n.event_id))
    added = next((n for n in ordered if n.connected is None), None)
    for channel in CHANNEL_ORDER:
        current = now.get(channel, Integration(False, 0))
        latest: ConnectionNote | None = None
        for note in ordered:
            seen = note.at_us <= at_us and (as_known_now or note.recorded_at_us <= at_us)
            if note.connected is not None and seen and channel in note.channels:
                latest = note
        if current.changed_at_us <= max(at_us, created_at_us):
            cited = latest.event_id if latest is not None and latest.connected == current.connected else None
            out[channel] = (current.connected, cited)
        elif latest is not None:
            out[channel] = (bool(latest.connected), latest.event_id)
        elif added is not None:
            out[channel] = (channel in added.channels, added.event_id)
        else:
            out[channel] = (True, None)
    return out
