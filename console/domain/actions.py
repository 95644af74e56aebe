"""An agent's change, checked against the current state before anything is recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from console.domain.channels import AGENT_LIFTABLE, Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc
from console.domain.explain import EMAIL_CLEARANCE, explain_lock
from console.domain.state import UNTIL, ChannelState, needs_provider_clearance


@dataclass(frozen=True, slots=True)
class PlannedChange:
    channel: Channel
    turn_on: bool
    lifted_kind: DndKind | None = None
    #: The end of the manual DND set (None: until an agent turns it off).
    until_us: int | None = None


def agent_event(change: PlannedChange, key: str, at_us: int, contact_id: int, detail: Mapping[str, str],
                provider_cleared: bool = False) -> Event:
    """The ledger entry of one planned agent change: a manual DND set (with its end, if any) or the lift of the
    kind that was there."""
    entry = dict(detail)
    if change.turn_on and change.until_us is not None:
        entry[UNTIL] = iso_utc(change.until_us) or ""
    return Event(
        source=Source.AGENT,
        key=key,
        at_us=at_us,
        channel=change.channel,
        effect=Effect.SET if change.turn_on else Effect.LIFT,
        kind=DndKind.MANUAL if change.turn_on else change.lifted_kind,
        reason="manual" if change.turn_on else "manual.lift",
        contact_id=contact_id,
        provider_cleared=provider_cleared and not change.turn_on,
        detail=entry,
    )


@dataclass(frozen=True, slots=True)
class Refusal:
    channel: Channel
    code: str
    message: str


@dataclass(slots=True)
class ActionPlan:
    changes: list[PlannedChange] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    unchanged: list[tuple[Channel, str]] = field(default_factory=list)


def plan_agent_change(
    states: Mapping[Channel, ChannelState],
    connected: frozenset[Channel],
    channels: Sequence[Channel],
    turn_on: bool,
    provider_cleared: bool = False,
    all_channels: bool = False,
    until_us: int | None = None,
) -> ActionPlan:
    """What an agent's toggle does to each channel. DND-all acts on disconnected channels too.

    ``states`` are the channels as they read now (a manual DND whose end has come is off). Turning DND on a
    manual DND replaces its end: ``until_us`` sets or moves it, None removes it. Only a manual DND can have an
    end: ``until_us`` on a channel whose DND is of another kind is refused.
    """
    plan = ActionPlan()
    for channel in channels:
        state = states.get(channel, ChannelState())
        if not all_channels and channel not in connected:
            plan.refusals.append(
                Refusal(channel, "not_connected", f"{channel.label} is not connected for this location.")
            )
            continue
        if turn_on:
            if not state.dnd or (state.kind == DndKind.MANUAL and state.until_us != until_us):
                plan.changes.append(PlannedChange(channel, True, until_us=until_us))
            elif until_us is not None and state.kind != DndKind.MANUAL:
                plan.refusals.append(
                    Refusal(
                        channel,
                        "not_manual",
                        f"{channel.label} is {state.kind} DND ({state.reason}); only a manual DND can have an end.",
                    )
                )
            else:
                plan.unchanged.append((channel, f"{channel.label} is already DND ({state.kind})."))
            continue
        if not state.dnd or state.kind is None:
            plan.unchanged.append((channel, f"{channel.label} is not DND."))
        elif state.kind not in AGENT_LIFTABLE:
            plan.refusals.append(Refusal(channel, "locked", explain_lock(channel, state)))
        elif needs_provider_clearance(channel, state) and not provider_cleared:
            plan.refusals.append(
                Refusal(
                    channel,
                    "provider_clearance_required",
                    f"{channel.label} DND came from the email provider. {EMAIL_CLEARANCE} "
                    "(--provider-cleared on the command line)",
                )
            )
        else:
            plan.changes.append(PlannedChange(channel, False, state.kind))
    return plan
