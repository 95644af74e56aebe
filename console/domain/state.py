"""The per-(contact, channel) state and how one event changes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from console.domain.channels import AGENT_LIFTABLE, Channel, DndKind
from console.domain.events import Effect, Event, Source


@dataclass(frozen=True, slots=True)
class ChannelState:
    dnd: bool = False
    kind: DndKind | None = None
    reason: str | None = None
    since_us: int | None = None
    source: str | None = None
    event_id: int | None = None
    detail: Mapping[str, str] | None = None

    @property
    def locked(self) -> bool:
        return self.dnd and self.kind is not None and self.kind.locked

    def as_dict(self) -> dict[str, object]:
        return {"dnd": self.dnd, "kind": self.kind.value if self.kind else None, "reason": self.reason}


OFF = ChannelState()


def needs_provider_clearance(channel: Channel | None, state: ChannelState) -> bool:
    """An email DND set by a bounce or suppression lifts only once the agent confirms the provider cleared it."""
    return channel == Channel.EMAIL and state.dnd and state.kind == DndKind.TEMPORARY


def lift_allowed(state: ChannelState, event: Event) -> bool:
    if not state.dnd or state.kind is None or event.kind is None:
        return False
    if state.kind.strength > event.kind.strength:
        return False
    if event.source == Source.AGENT:
        if state.kind not in AGENT_LIFTABLE:
            return False
        if needs_provider_clearance(event.channel, state) and not event.provider_cleared:
            return False
    return True


def apply_event(state: ChannelState, event: Event, event_id: int | None = None) -> ChannelState:
    """The state after ``event``, by the rules of RULES.md. Never raises; an event the rules ignore keeps the state."""
    if event.effect == Effect.SET and event.kind is not None:
        if not state.dnd or state.kind is None or event.kind.strength > state.kind.strength:
            return ChannelState(
                dnd=True,
                kind=event.kind,
                reason=event.reason,
                since_us=event.at_us,
                source=event.source,
                event_id=event_id,
                detail=event.detail or None,
            )
        return state
    if event.effect == Effect.LIFT and lift_allowed(state, event):
        return OFF
    return state


def replay(events: Iterable[tuple[int | None, Event]]) -> ChannelState:
    """Apply ``(event_id, event)`` pairs in order of occurrence, whatever order they come in."""
    state = OFF
    for event_id, event in sorted(events, key=lambda pair: pair[1].order_key):
        state = apply_event(state, event, event_id)
    return state


class Status(StrEnum):
    ON = "on"
    OFF = "off"
    PARTIAL = "partial"


def status_of(dnd_mask: int, connected_mask: int) -> Status:
    """On / off / partial over the connected channels; off when none is connected."""
    relevant = dnd_mask & connected_mask
    if connected_mask == 0 or relevant == 0:
        return Status.OFF
    if relevant == connected_mask:
        return Status.ON
    return Status.PARTIAL
