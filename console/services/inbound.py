"""Inbound DND use cases (RULES.md "Inbound DND"): set or lift it, ask the inbound gate, add it to status,
and export the block list. The window's inbound toggles call ``set_inbound`` and ``inbound_now`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from console.domain.channels import Channel
from console.domain.inbound import InboundChannelError, InboundDecision, InboundState, decide_inbound, inbound_channels
from console.errors import InvalidInput
from console.services.context import AppContext
from console.store.contacts import find_contacts
from console.store.identity import current_actor
from console.store.inbound import InboundBlock, InboundOutcome, inbound_blocks, inbound_states, inbound_states_many
from console.store.inbound import set_inbound as store_set_inbound
from console.store.locations import get_location


def channels_for(channel: str) -> tuple[Channel, ...]:
    """``--channel`` with ``--inbound``: sms, call or all (both); any other channel is bad usage (exit 2)."""
    try:
        return inbound_channels(channel)
    except InboundChannelError as exc:
        raise InvalidInput(f"--inbound: {exc}") from None


@dataclass(frozen=True, slots=True)
class InboundResult:
    actor: str
    turn_on: bool
    outcomes: tuple[InboundOutcome, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "results": [
                {
                    "contact": o.contact_id,
                    "direction": "inbound",
                    "changed": [c.channel.value for c in o.changed],
                    "unchanged": [{"channel": ch.value, "message": m} for ch, m in o.unchanged],
                    "refused": [],
                }
                for o in self.outcomes
            ]
        }


def set_inbound(
    ctx: AppContext,
    contact: str,
    channel: str,
    turn_on: bool,
    note: str | None = None,
    location: str | None = None,
) -> InboundResult:
    """An agent sets or lifts inbound DND for every contact CONTACT names; no locks, so nothing is refused."""
    channels = channels_for(channel)
    with ctx.store.write() as session:
        actor = current_actor(session)
        loc = get_location(session, location)
        outcomes = tuple(
            store_set_inbound(session, c, channels, turn_on, actor, note)
            for c in find_contacts(session, contact, loc.id, ctx.region)
        )
    return InboundResult(actor, turn_on, outcomes)


@dataclass(frozen=True, slots=True)
class InboundCheck:
    decision: InboundDecision
    contact_id: int
    contact_name: str
    channel: Channel
    since_us: int | None

    def as_dict(self) -> dict[str, object]:
        return self.decision.as_dict()


def check_inbound(ctx: AppContext, contact: str, channel: Channel, location: str | None = None) -> InboundCheck:
    """May a message or call from the contact reach the team? Blocked if any contact with the address is."""
    if channel.value not in ("sms", "call"):
        raise InvalidInput(f"--inbound is for sms and call only (not {channel.value})")
    with ctx.store.read() as session:
        loc = get_location(session, location)
        answers = []
        for c in find_contacts(session, contact, loc.id, ctx.region):
            state = inbound_states(session, c.id)[channel].state
            answers.append(InboundCheck(decide_inbound(state), c.id, c.name, channel, state.since_us))
    blocked = [a for a in answers if not a.decision.allowed]
    return blocked[0] if blocked else answers[0]


def inbound_now(ctx: AppContext, contact_ids: Sequence[int]) -> dict[tuple[int, Channel], InboundState]:
    """Inbound DND in effect for these contacts (only the channels that are on)."""
    with ctx.store.read() as session:
        return inbound_states_many(session, contact_ids)


def add_inbound_to_status(ctx: AppContext, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """``status`` rows (CLI.md shape) with ``"inbound": {"dnd", "since"}`` on their sms and call channels."""
    found = inbound_now(ctx, [int(str(row["id"])) for row in rows])
    for row in rows:
        channels = row["channels"]
        assert isinstance(channels, dict)
        for channel in (Channel.SMS, Channel.CALL):
            state = found.get((int(str(row["id"])), channel), InboundState())
            channels[channel.value]["inbound"] = state.as_dict()
    return rows


def block_list(ctx: AppContext, channel: str, location: str | None = None) -> list[InboundBlock]:
    """``export suppressions --inbound``: the numbers with inbound DND on sms or call (``address,since``)."""
    wanted = channels_for(channel)
    if len(wanted) != 1:
        raise InvalidInput("--inbound export needs --channel sms or --channel call")
    with ctx.store.read() as session:
        return list(inbound_blocks(session, get_location(session, location).id, wanted[0]))
