"""What every service shares: the result of a write (the value plus the Change it made), the acting identity,
finding what a front end names (a contact, a location), and turning a rule's reasons into a refusal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from console.domain.channels import Channel, parse_channel
from console.errors import InvalidInput, NotFound, Refused
from console.services.context import AppContext
from console.store.changes import Change
from console.store.contacts import find_contacts
from console.store.identity import current_actor, role_of
from console.store.locations import get_location
from console.store.models import Contact, Location

T = TypeVar("T")

#: How a front end names a contact: its id, or text (an id in digits, an email address, a phone number).
ContactRef = int | str
#: How a front end names a location: its id, or its name (None: the Default location).
LocationRef = int | str | None


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What a write did: its typed ``result``, and the ``change`` a window refreshes by (Anki's OpChanges)."""

    result: T
    change: Change


def actor(ctx: AppContext, session: Session) -> str:
    """Who is acting: the database user on PostgreSQL, else Settings.actor, else the login name."""
    return current_actor(session, ctx.settings.actor)


def actor_role(ctx: AppContext, session: Session) -> tuple[str, str]:
    who = actor(ctx, session)
    return who, role_of(session, who)


def location(session: Session, ref: LocationRef) -> Location:
    if isinstance(ref, int):
        found = session.get(Location, ref)
        if found is None:
            raise NotFound(f"no location with id {ref}")
        return found
    return get_location(session, ref)


def contacts(ctx: AppContext, session: Session, ref: ContactRef, where: LocationRef = None) -> list[Contact]:
    """The contacts ``ref`` names (several when they share an address); NotFound / InvalidInput otherwise."""
    text = str(ref)
    location_id = location(session, where).id if not isinstance(ref, int) else 0
    return find_contacts(session, text, location_id, ctx.region)


def one_contact(ctx: AppContext, session: Session, ref: ContactRef, where: LocationRef = None) -> Contact:
    """The one contact ``ref`` names; several sharing an address must be named by id."""
    found = contacts(ctx, session, ref, where)
    if len(found) > 1:
        ids = ", ".join(f"#{c.id}" for c in found)
        raise InvalidInput(f"{ref!r} matches several contacts ({ids}): name one by its id")
    return found[0]


def channel(value: Channel | str) -> Channel:
    try:
        return value if isinstance(value, Channel) else parse_channel(value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def channel_list(values: Iterable[Channel | str]) -> list[Channel]:
    out: list[Channel] = []
    for value in values:
        for part in [value] if isinstance(value, Channel) else value.split(","):
            if isinstance(part, Channel) or part.strip():
                found = channel(part)
                if found not in out:
                    out.append(found)
    return out


def refuse_if(reasons: Sequence[str]) -> None:
    """A rule's reasons (domain/ checks return them) become one Refused, in the rule's words."""
    if reasons:
        raise Refused("; ".join(reasons))
