"""Every address with DND on a channel, matched to a contact or not, for the providers' suppression lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import Channel
from console.domain.events import now_us
from console.domain.state import at_moment, replay
from console.store.tables import CONTACTS, EVENTS, LIVE, STATES, event_from_row
from console.store.until import state_on


@dataclass(frozen=True, slots=True)
class Suppression:
    address: str
    kind: str
    reason: str
    since_us: int


def suppressions(session: Session, location_id: int, channel: Channel) -> Iterator[Suppression]:
    column = CONTACTS.c.email if channel == Channel.EMAIL else CONTACTS.c.phone
    seen: set[str] = set()
    now = now_us()  # a manual DND whose end has come is off
    rows = session.execute(
        select(column, STATES.c.kind, STATES.c.reason, STATES.c.since_us)
        .join(STATES, STATES.c.contact_id == CONTACTS.c.id)
        .where(
            CONTACTS.c.location_id == location_id,
            STATES.c.channel == channel.value,
            state_on(now),
            column.isnot(None),
        )
        .order_by(column)
    )
    for address, kind, reason, since in rows:
        if address not in seen:
            seen.add(address)
            yield Suppression(address, kind, reason, since)
    known = select(column).where(CONTACTS.c.location_id == location_id, column.isnot(None))
    unmatched: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(
        select(EVENTS).where(
            EVENTS.c.location_id == location_id,
            EVENTS.c.channel == channel.value,
            LIVE,
            EVENTS.c.contact_id.is_(None),
            EVENTS.c.address.not_in(known),
        )
    ):
        unmatched[row.address].append(row)
    for address in sorted(unmatched):
        state = at_moment(replay((r.id, event_from_row(r)) for r in unmatched[address]), now)
        if state.dnd and state.kind and address not in seen:
            yield Suppression(address, state.kind.value, state.reason or "", state.since_us or 0)
