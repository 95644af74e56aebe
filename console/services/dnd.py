"""Setting and lifting DND: an agent's toggle, DND-all, and (later) several contacts at once.

The result lists, per contact, what changed, what was already so and what the rules refused (with the rule's
reason): a refusal is part of the answer, not an exception, because DND-all lifts what it may and names what
stays locked. The ledger events the change appends are its audit entries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from console.domain.actions import Refusal
from console.domain.at_time import MomentError, parse_moment
from console.domain.channels import Channel
from console.domain.events import iso_utc, now_us
from console.domain.state import ChannelState
from console.errors import InvalidInput
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


#: Relative ends: ``+3d``, ``+12h``, ``+2w``, ``+30m`` from now.
_RELATIVE = re.compile(r"^\+(\d{1,5})([mhdw])$")
_UNIT_US = {"m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000, "w": 7 * 86_400_000_000}


def end_moment(until: str | int, now: int | None = None) -> int:
    """The end of a manual DND: ISO 8601 text (a date alone is 00:00:00Z, no zone is UTC), ``+N`` followed by
    m, h, d or w (from now), or microseconds. Unreadable, or not after now: bad usage (exit 2)."""
    at = now_us() if now is None else now
    if isinstance(until, int):
        end = until
    else:
        relative = _RELATIVE.match(until.strip().lower())
        if relative:
            end = at + int(relative.group(1)) * _UNIT_US[relative.group(2)]
            end -= end % 1_000_000  # whole seconds
        else:
            try:
                end = parse_moment(until)
            except MomentError as exc:
                raise InvalidInput(f"--until: {exc}") from None
    if end <= at:
        raise InvalidInput(f"--until: the end {iso_utc(end)} is not in the future")
    return end


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
    until: str | int | None = None,
) -> Outcome[DndResult]:
    """Turn DND on or off for ``channels`` (None: DND-all, every channel, connected or not) of the contact(s)
    ``contact`` names. ``expected_versions``: the versions the agent saw; a channel changed since is a Conflict
    and nothing is recorded. ``until`` (with ``turn_on``): the end of the manual DND (ISO 8601 text or
    microseconds); an end in the past or unreadable is bad usage, and a channel whose DND is of another kind
    refuses it (RULES.md "Manual DND with an end")."""
    until_us = None if until is None else end_moment(until)
    if until_us is not None and not turn_on:
        raise InvalidInput("--until goes with --on (the end of a manual DND)")
    with ctx.store.write() as session:
        who = actor(ctx, session)
        done: list[ContactDnd] = []
        location_id = 0
        for target in contacts(ctx, session, contact, location):
            location_id = target.location_id
            result = record_agent_change(
                session, target, channels, turn_on, who, note, provider_cleared, expected_versions, until_us
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
