"""The per-(contact, channel) state and how one event changes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from console.domain.channels import AGENT_LIFTABLE, Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc, to_us


@dataclass(frozen=True, slots=True)
class ChannelState:
    dnd: bool = False
    kind: DndKind | None = None
    reason: str | None = None
    since_us: int | None = None
    source: str | None = None
    event_id: int | None = None
    detail: Mapping[str, str] | None = None
    #: The end of a manual DND (RULES.md "Manual DND with an end"): DND until then, off from then on.
    until_us: int | None = None

    @property
    def locked(self) -> bool:
        return self.dnd and self.kind is not None and self.kind.locked

    def as_dict(self) -> dict[str, object]:
        kind = self.kind.value if self.kind else None
        out: dict[str, object] = {"dnd": self.dnd, "kind": kind, "reason": self.reason}
        if self.until_us is not None:
            out["until"] = iso_utc(self.until_us)
        return out


OFF = ChannelState()


#: The ledger entry's detail key holding a manual DND's end (ISO 8601 UTC, part of the sealed entry).
UNTIL = "until"


def until_of(event: Event) -> int | None:
    """The end an agent's manual DND entry carries, or None (only a manual set has an end)."""
    if event.effect != Effect.SET or event.kind != DndKind.MANUAL:
        return None
    return moment_of(event.detail.get(UNTIL) if event.detail else None)


def moment_of(text: str | None) -> int | None:
    """Microseconds of an end as the ledger keeps it (ISO 8601 UTC with ``Z``); None when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
    except ValueError:
        return None
    return to_us(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def expired(state: ChannelState, at_us: int) -> bool:
    """A manual DND whose end has come by ``at_us``."""
    return state.dnd and state.until_us is not None and state.until_us <= at_us


def at_moment(state: ChannelState, at_us: int) -> ChannelState:
    """The state as it reads at ``at_us``: a manual DND whose end has come is off."""
    return OFF if expired(state, at_us) else state


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
    """The state after ``event``, by the rules of RULES.md. Never raises; an event the rules ignore keeps the state.

    A manual DND whose end has come by the event's time is off before the event applies. A manual set on a
    manual DND replaces its end (a new end, or none) when either has one; the DND keeps its start.
    """
    if state.until_us is not None and state.dnd and state.until_us <= event.at_us:
        state = OFF
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
                until_us=until_of(event),
            )
        if state.kind is DndKind.MANUAL and event.kind is DndKind.MANUAL:
            until = until_of(event)
            if until != state.until_us:
                return ChannelState(
                    True, DndKind.MANUAL, event.reason, state.since_us, event.source, event_id,
                    event.detail or None, until,
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
