"""Inbound DND (RULES.md "Inbound DND"): messages or calls *from* the contact do not reach the team.

Only ``sms`` and ``call`` have it; only agents set and lift it (kind ``manual``, no locks, no imports, no end);
it ignores connections and addresses, is independent of outbound DND, and never counts in the status badge.
In the ledger an inbound change is an entry on its channel with no outbound effect, marked
``"direction": "inbound"`` in its detail, with ``"inbound": "set"`` or ``"lift"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from console.domain.at_time import LedgerRecord, visible
from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc

INBOUND_CHANNELS: tuple[Channel, ...] = (Channel.SMS, Channel.CALL)
DIRECTION = "direction"
INBOUND = "inbound"
SET, LIFT = "set", "lift"
SET_REASON, LIFT_REASON = "manual", "manual.lift"


class InboundChannelError(ValueError):
    """Inbound DND asked for a channel that has none (bad usage)."""


def inbound_channels(channel: str) -> tuple[Channel, ...]:
    """The channels ``--channel X --inbound`` means: sms, call, or all = both."""
    wanted = channel.strip().lower()
    if wanted == "all":
        return INBOUND_CHANNELS
    for candidate in INBOUND_CHANNELS:
        if candidate.value == wanted:
            return (candidate,)
    raise InboundChannelError(f"inbound DND exists only for sms and call (not {channel!r})")


@dataclass(frozen=True, slots=True)
class InboundState:
    dnd: bool = False
    since_us: int | None = None
    event_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"dnd": self.dnd, "since": iso_utc(self.since_us)}


INBOUND_OFF = InboundState()


def is_inbound(event: Event | None = None, detail: Mapping[str, str] | None = None) -> bool:
    details = detail if detail is not None else (event.detail if event is not None else {})
    return details.get(DIRECTION) == INBOUND


def inbound_event(contact_id: int, channel: Channel, turn_on: bool, at_us: int, key: str, note: str | None) -> Event:
    """The ledger entry of an agent's inbound change: on its channel, with no outbound effect."""
    detail = {DIRECTION: INBOUND, INBOUND: SET if turn_on else LIFT}
    if note:
        detail["note"] = note
    return Event(
        source=Source.AGENT,
        key=key,
        at_us=at_us,
        channel=channel,
        effect=Effect.NONE,
        kind=DndKind.MANUAL,
        reason=SET_REASON if turn_on else LIFT_REASON,
        contact_id=contact_id,
        detail=detail,
    )


def apply_inbound(state: InboundState, event: Event, event_id: int | None = None) -> InboundState:
    """Set turns inbound DND on (an active one keeps its start); lift turns it off."""
    action = event.detail.get(INBOUND)
    if action == SET:
        return state if state.dnd else InboundState(True, event.at_us, event_id)
    if action == LIFT:
        return INBOUND_OFF
    return state


def replay_inbound(events: Iterable[tuple[int, Event]]) -> InboundState:
    state = INBOUND_OFF
    for event_id, event in sorted(events, key=lambda pair: pair[1].order_key):
        state = apply_inbound(state, event, event_id)
    return state


def inbound_at(
    records: Iterable[LedgerRecord], at_us: int, as_known_now: bool = False
) -> tuple[InboundState, tuple[int, ...]]:
    """Inbound DND at a past moment, and the entry it rests on (the set, or the last lift)."""
    state, last_lift = INBOUND_OFF, None
    seen = sorted((r for r in records if visible(r, at_us, as_known_now)), key=lambda r: r.event.order_key)
    for record in seen:
        after = apply_inbound(state, record.event, record.event_id)
        if state.dnd and not after.dnd:
            last_lift = record.event_id
        state = after
    if state.dnd and state.event_id is not None:
        return state, (state.event_id,)
    return state, () if last_lift is None else (last_lift,)


@dataclass(frozen=True, slots=True)
class InboundDecision:
    """May a message or call from the contact reach the team?"""

    allowed: bool
    reason: str | None
    kind: DndKind | None

    def as_dict(self) -> dict[str, object]:
        return {"allowed": self.allowed, "reason": self.reason, "kind": self.kind.value if self.kind else None}


def decide_inbound(state: InboundState) -> InboundDecision:
    if state.dnd:
        return InboundDecision(False, SET_REASON, DndKind.MANUAL)
    return InboundDecision(True, None, None)
