"""Locations (sub-accounts) and their connected channels."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel, mask_of
from console.domain.events import now_us
from console.errors import InvalidInput, NotFound
from console.store.changes import INTEGRATIONS, notify
from console.store.models import Integration, Location

DEFAULT_LOCATION = "Default"


def get_location(session: Session, name: str | None) -> Location:
    wanted = name or DEFAULT_LOCATION
    location = session.scalar(select(Location).where(Location.name == wanted))
    if location is None:
        names = ", ".join(session.scalars(select(Location.name).order_by(Location.name)))
        raise NotFound(f"unknown location {wanted!r} (locations: {names})")
    return location


def list_locations(session: Session) -> list[Location]:
    return list(session.scalars(select(Location).order_by(Location.name)))


def add_location(session: Session, name: str, channels: Iterable[Channel] = CHANNEL_ORDER) -> Location:
    clean = name.strip()
    if not clean:
        raise InvalidInput("a location needs a name")
    if session.scalar(select(Location.id).where(Location.name == clean)) is not None:
        raise InvalidInput(f"location {clean!r} already exists")
    now = now_us()
    location = Location(name=clean, created_at_us=now)
    session.add(location)
    session.flush()
    wanted = set(channels)
    for channel in CHANNEL_ORDER:
        session.add(
            Integration(location_id=location.id, channel=channel.value, connected=channel in wanted, changed_at_us=now)
        )
    session.flush()
    return location


def connected_channels(session: Session, location_id: int) -> frozenset[Channel]:
    rows = session.scalars(
        select(Integration.channel).where(Integration.location_id == location_id, Integration.connected)
    )
    return frozenset(Channel(c) for c in rows)


def connected_mask(session: Session, location_id: int) -> int:
    return mask_of(connected_channels(session, location_id))


def set_connected(session: Session, location_id: int, channels: Iterable[Channel], connected: bool) -> None:
    now = now_us()
    for channel in channels:
        row = session.get(Integration, (location_id, channel.value))
        if row is None:
            session.add(
                Integration(location_id=location_id, channel=channel.value, connected=connected, changed_at_us=now)
            )
        elif row.connected != connected:
            row.connected = connected
            row.changed_at_us = now
    session.flush()
    notify(session, location_id, None, INTEGRATIONS)
