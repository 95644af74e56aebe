"""Setting and lifting DND: an agent's toggle, DND-all, and (later) several contacts at once.

The result lists, per contact, what changed, what was already so and what the rules refused (with the rule's
reason): a refusal is part of the answer, not an exception, because DND-all lifts what it may and names what
stays locked. The ledger events the change appends are its audit entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from console.domain.actions import Refusal
from console.domain.channels import Channel
from console.domain.state import ChannelState
from console.services.base import ContactRef, LocationRef, Outcome, actor, contacts
from console.services.context import AppContext
from console.services.reads import ContactView, contact_view
from console.store.actions import set_dnd as record_agent_change
from console.store.changes import DND, Change


@dataclass(frozen=True, slots=True)
class ChannelChange:
    channel: Channel
    before: ChannelState
    after: ChannelState


@dataclass(frozen=True, slots=True)
class ContactDnd:
    """What one contact's toggle did."""

    contact: ContactView
    changed: tuple[ChannelChange, ...]
    #: Channels already in the wanted state, with the words saying so.
    unchanged: tuple[tuple[Channel, str], ...]
    #: Channels the rules kept as they are, each with the rule's code and reason.
    refused: tuple[Refusal, ...]

    @property
    def changed_channels(self) -> tuple[Channel, ...]:
        return tuple(c.channel for c in self.changed)


@dataclass(frozen=True, slots=True)
class DndResult:
    """One toggle over one or more contacts (several share an address; a bulk change will list many)."""

    turn_on: bool
    contacts: tuple[ContactDnd, ...]

    @property
    def refused(self) -> bool:
        return any(c.refused for c in self.contacts)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.contacts)

    def as_dict(self) -> dict[str, object]:
        """The ``set --json`` shape of CLI.md."""
        return {
            "results": [
                {
                    "contact": c.contact.id,
                    "changed": [ch.channel.value for ch in c.changed],
                    "unchanged": [{"channel": ch.value, "message": m} for ch, m in c.unchanged],
                    "refused": [{"channel": r.channel.value, "code": r.code, "message": r.message} for r in c.refused],
                }
                for c in self.contacts
            ]
        }


def set_dnd(
    ctx: AppContext,
    contact: ContactRef,
    channels: Sequence[Channel] | None,
    turn_on: bool,
    *,
    note: str | None = None,
    provider_cleared: bool = False,
    expected_versions: Mapping[Channel, int] | None = None,
    location: LocationRef = None,
) -> Outcome[DndResult]:
    """Turn DND on or off for ``channels`` (None: DND-all, every channel, connected or not) of the contact(s)
    ``contact`` names. ``expected_versions``: the versions the agent saw; a channel changed since is a Conflict
    and nothing is recorded."""
    with ctx.store.write() as session:
        who = actor(ctx, session)
        done: list[ContactDnd] = []
        location_id = 0
        for target in contacts(ctx, session, contact, location):
            location_id = target.location_id
            result = record_agent_change(
                session, target, channels, turn_on, who, note, provider_cleared, expected_versions
            )
            done.append(
                ContactDnd(
                    contact_view(session, target),
                    tuple(ChannelChange(ch, before, after) for ch, (before, after) in result.changed.items()),
                    tuple(result.plan.unchanged),
                    tuple(result.plan.refusals),
                )
            )
    touched = frozenset(c.contact.id for c in done if c.changed)
    return Outcome(DndResult(turn_on, tuple(done)), Change(DND, location_id, touched, who))
