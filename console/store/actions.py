"""Agent actions: checked against the current state, then recorded through the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from console.domain.actions import ActionPlan, agent_event, plan_agent_change
from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.events import now_us
from console.domain.state import ChannelState
from console.errors import Conflict
from console.store.db import CHAIN_LOCKED
from console.store.ledger import lock_chain, record_events
from console.store.locations import connected_channels
from console.store.models import Contact
from console.store.queries import channel_states


@dataclass(slots=True)
class ActionResult:
    plan: ActionPlan
    changed: dict[Channel, tuple[ChannelState, ChannelState]] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return bool(self.plan.refusals)


def new_key() -> str:
    return uuid.uuid4().hex


def set_dnd(
    session: Session,
    contact: Contact,
    channels: Sequence[Channel] | None,
    turn_on: bool,
    actor: str,
    note: str | None = None,
    provider_cleared: bool = False,
    expected_versions: Mapping[Channel, int] | None = None,
    until_us: int | None = None,
) -> ActionResult:
    """An agent's toggle. ``channels=None`` is DND-all (all six channels, connected or not).

    ``until_us``: the end of the manual DND turned on (RULES.md "Manual DND with an end"); it is kept in each
    entry's detail, so it is sealed with the entry. ``expected_versions`` are the versions the agent saw; if
    another agent changed one of those channels since, nothing is recorded and :class:`Conflict` names who
    changed it.
    """
    if expected_versions and not session.info.get(CHAIN_LOCKED):
        lock_chain(session)  # no other writer between the version check and the append (unless held already)
    stored = channel_states(session, contact.id)
    if expected_versions:
        for channel, version in expected_versions.items():
            now = stored[channel]
            if now.version != version:
                who = now.changed_by or "another agent"
                raise Conflict(f"{channel.label} was changed by {who} a moment ago; the fresh state is shown")
    all_channels = channels is None
    plan = plan_agent_change(
        {c: s.state for c, s in stored.items()},
        connected_channels(session, contact.location_id),
        CHANNEL_ORDER if channels is None else channels,
        turn_on,
        provider_cleared=provider_cleared,
        all_channels=all_channels,
        until_us=until_us,
    )
    at, action = now_us(), new_key()
    detail = {"note": note} if note else {}
    if all_channels:
        detail["scope"] = "all"
    events = [
        agent_event(change, f"{action}:{CHANNEL_ORDER.index(change.channel)}", at, contact.id, detail,
                    provider_cleared)
        for change in plan.changes
    ]
    result = ActionResult(plan)
    if events:
        recorded = record_events(session, contact.location_id, events, actor)
        for (cid, channel), pair in recorded.changed.items():
            if cid == contact.id:
                result.changed[channel] = pair
    return result
