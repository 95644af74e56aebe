"""Locations and their connected channels.

Adding a location and connecting or disconnecting a channel need ``admin`` once an admin exists (RULES.md, Roles,
revision 2), whichever front end asks; each is a note in the audit chain (``location.added``,
``location.connected``, ``location.disconnected``) that ``audit log`` lists with who and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.roles import admin_action_blockers
from console.errors import InvalidInput
from console.services.base import LocationRef, Outcome, actor_role, channel_list, location, refuse_if
from console.services.context import AppContext
from console.store import locations as places
from console.store.changes import INTEGRATIONS, LOCATIONS, Change
from console.store.identity import admin_exists
from console.store.ledger import record_note


@dataclass(frozen=True, slots=True)
class LocationView:
    id: int
    name: str
    connected: frozenset[Channel]

    @property
    def connected_in_order(self) -> list[Channel]:
        return [c for c in CHANNEL_ORDER if c in self.connected]

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "connected": [c.value for c in self.connected_in_order]}


def _admin_only(session: Session, who: str, role: str, action: str) -> None:
    refuse_if(admin_action_blockers(who, role, admin_exists(session), action))


def list_locations(ctx: AppContext) -> list[LocationView]:
    with ctx.store.read() as session:
        return [
            LocationView(loc.id, loc.name, places.connected_channels(session, loc.id))
            for loc in places.list_locations(session)
        ]


def get_location(ctx: AppContext, where: LocationRef = None) -> LocationView:
    with ctx.store.read() as session:
        loc = location(session, where)
        return LocationView(loc.id, loc.name, places.connected_channels(session, loc.id))


def add_location(
    ctx: AppContext, name: str, channels: Iterable[Channel | str] = CHANNEL_ORDER
) -> Outcome[LocationView]:
    """A new location with these channels connected (default: all six)."""
    wanted = channel_list(channels)
    with ctx.store.write() as session:
        who, role = actor_role(ctx, session)
        _admin_only(session, who, role, "add a location")
        loc = places.add_location(session, name, wanted)
        record_note(
            session, loc.id, who, "location.added", {"name": loc.name, "channels": ",".join(c.value for c in wanted)}
        )
        view = LocationView(loc.id, loc.name, frozenset(wanted))
    return Outcome(view, Change(LOCATIONS, loc.id, frozenset(), who))


def set_connected(
    ctx: AppContext, where: LocationRef, channels: Iterable[Channel | str], connected: bool
) -> Outcome[LocationView]:
    """Connect (or disconnect) channels of a location. Disconnecting keeps every contact's DND state for them."""
    wanted = channel_list(channels)
    if not wanted:
        raise InvalidInput("name at least one channel")
    with ctx.store.write() as session:
        who, role = actor_role(ctx, session)
        _admin_only(session, who, role, "connect or disconnect a channel")
        loc = location(session, where)
        places.set_connected(session, loc.id, wanted, connected)
        record_note(
            session,
            loc.id,
            who,
            "location.connected" if connected else "location.disconnected",
            {"channels": ",".join(c.value for c in wanted)},
        )
        view = LocationView(loc.id, loc.name, places.connected_channels(session, loc.id))
    return Outcome(view, Change(INTEGRATIONS, loc.id, None, who))


def connect(ctx: AppContext, where: LocationRef, channels: Iterable[Channel | str]) -> Outcome[LocationView]:
    return set_connected(ctx, where, channels, True)


def disconnect(ctx: AppContext, where: LocationRef, channels: Iterable[Channel | str]) -> Outcome[LocationView]:
    return set_connected(ctx, where, channels, False)
