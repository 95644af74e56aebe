"""Reading DND with ends (RULES.md "Manual DND with an end") without any job having run when an end comes.

``channel_states`` keeps a manual DND with an end as ``dnd`` with ``until_us``; ``contacts.dnd_mask`` keeps its bit
and ``contacts.dnd_until_us`` the contact's earliest end. Every read asks "DND now?" through these: a state row is
DND while ``until_us`` is null or later than now; a contact's mask is its stored mask unless its earliest end has
come, and only then are the ended channels' bits taken out (one probe of that contact's state rows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, inspect, or_, select, text, true

from console.domain.channels import CHANNEL_ORDER
from console.store.tables import CONTACTS, STATES


def state_on(now: int, states: Any = STATES) -> ColumnElement[bool]:
    """A ``channel_states`` row is DND at ``now``: ``dnd AND (until_us IS NULL OR until_us > now)``."""
    return and_(states.c.dnd == true(), or_(states.c.until_us.is_(None), states.c.until_us > now))


def effective_mask(now: int) -> ColumnElement[int]:
    """``contacts.dnd_mask`` as it reads at ``now``: the bits of manual DND whose end has come taken out."""
    bit = case(*[(STATES.c.channel == c.value, c.bit) for c in CHANNEL_ORDER], else_=0)
    ended = (
        select(func.coalesce(func.sum(bit), 0))
        .where(STATES.c.contact_id == CONTACTS.c.id, STATES.c.dnd == true(), STATES.c.until_us <= now)
        .scalar_subquery()
    )
    return case((CONTACTS.c.dnd_until_us <= now, CONTACTS.c.dnd_mask - ended), else_=CONTACTS.c.dnd_mask)


#: The same, as SQL text over ``contacts c`` and ``channel_states s`` with a ``:now`` parameter.
STATE_ON_SQL = "s.dnd = :dnd AND (s.until_us IS NULL OR s.until_us > :now)"


def ensure_end_columns(conn: Connection) -> None:
    """Add revision 0011's columns where they are missing. Revision 0008 replays channels with today's projection,
    which reads and writes them, so it adds them first when it has channels to replay; 0011 then finds them."""
    found = inspect(conn)
    if "until_us" not in {c["name"] for c in found.get_columns("channel_states")}:
        conn.execute(text("ALTER TABLE channel_states ADD COLUMN until_us BIGINT"))
    if "dnd_until_us" not in {c["name"] for c in found.get_columns("contacts")}:
        conn.execute(text("ALTER TABLE contacts ADD COLUMN dnd_until_us BIGINT"))
