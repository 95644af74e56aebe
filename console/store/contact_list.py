"""The contact list of the window: filtering, sorting, counting and paging in SQL.

Filters work on ``contacts.dnd_mask`` (one bit per channel) and on ``channel_states`` for DND kinds, so a
list of a million contacts is never loaded: the window asks for a count and for pages of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import orjson
import phonenumbers
from sqlalchemy import ColumnElement, Select, Table, and_, false, func, select, true
from sqlalchemy.orm import Session

from console.domain.addresses import AddressError, normalize_phone
from console.domain.channels import CHANNEL_ORDER, Channel, DndKind, channels_in
from console.domain.state import ChannelState, Status
from console.store.locations import connected_mask
from console.store.models import ChannelStateRow, Contact, LedgerEntry

CONTACTS = cast(Table, Contact.__table__)
STATES = cast(Table, ChannelStateRow.__table__)
EVENTS = cast(Table, LedgerEntry.__table__)
_PHONE_CHARS = set("0123456789+-(). ")
_TOP = "\U0010ffff"


class SortKey(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    ID = "id"
    #: By the set of DND channels: no DND first, contacts with the same channels together (indexed).
    STATUS = "dnd_mask"


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """What the agent asked to see. ``channel`` alone means "DND on that channel"; with ``kind`` it
    means "DND of that kind on that channel"; ``kind`` alone means "that kind on any connected channel"."""

    location_id: int
    search: str = ""
    status: Status | None = None
    channel: Channel | None = None
    kind: DndKind | None = None
    contact_ids: frozenset[int] | None = None
    sort: SortKey = SortKey.NAME
    descending: bool = False
    region: str = "US"


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    name: str
    email: str | None
    phone: str | None
    dnd_mask: int
    states: dict[Channel, ChannelState] = field(default_factory=dict)

    def state(self, channel: Channel) -> ChannelState:
        return self.states.get(channel, ChannelState())


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` starts with ``text``, as a range an index can serve."""
    return and_(column >= text, column < text + _TOP)


def search_kind(text: str) -> str:
    """What a search box text looks for: ``email``, ``phone`` or ``name``."""
    words = text.strip()
    if "@" in words:
        return "email"
    if set(words) <= _PHONE_CHARS and sum(ch.isdigit() for ch in words) >= 3:
        return "phone"
    return "name"


def phone_prefix(text: str, region: str) -> str:
    """The E.164 start of a phone number typed in any format, complete or not."""
    try:
        return normalize_phone(text, region)
    except AddressError:
        pass
    digits = "".join(ch for ch in text if ch.isdigit())
    code = str(phonenumbers.country_code_for_region(region.upper()) or "")
    if text.strip().startswith("+") or not code or digits.startswith(code):
        return "+" + digits
    return f"+{code}{digits}"


def _search_condition(session: Session, text: str, region: str) -> ColumnElement[bool]:
    """Name (any part, any case), start of an email address, or start of a phone number in any format."""
    words = text.strip()
    kind = search_kind(words)
    if kind == "email":
        return _prefix(CONTACTS.c.email, words.lower())
    if kind == "phone":
        return _prefix(CONTACTS.c.phone, phone_prefix(words, region))
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if session.get_bind().dialect.name == "sqlite":  # LIKE ignores ASCII case there, and is twice as fast
        return CONTACTS.c.name.like(pattern, escape="\\")
    return CONTACTS.c.name.ilike(pattern, escape="\\")


def _kind_condition(flt: ContactFilter, connected: int) -> ColumnElement[bool]:
    assert flt.kind is not None
    channels = [flt.channel] if flt.channel else channels_in(connected)
    if not channels:
        return false()
    holders = select(STATES.c.contact_id).where(
        STATES.c.kind == flt.kind.value,
        STATES.c.dnd == true(),
        STATES.c.channel.in_([c.value for c in channels]),
    )
    return CONTACTS.c.id.in_(holders)


def _status_condition(status: Status, connected: int) -> ColumnElement[bool]:
    relevant = CONTACTS.c.dnd_mask.op("&")(connected)
    if status == Status.OFF:
        return true() if connected == 0 else relevant == 0
    if connected == 0:
        return false()
    if status == Status.ON:
        return relevant == connected
    return and_(relevant != 0, relevant != connected)


def _ids_condition(session: Session, ids: frozenset[int]) -> ColumnElement[bool]:
    """Membership in a possibly large id set, as one bound parameter on SQLite."""
    if not ids:
        return false()
    if session.get_bind().dialect.name == "sqlite":
        listed = func.json_each(orjson.dumps(sorted(ids)).decode()).table_valued("value")
        return CONTACTS.c.id.in_(select(listed.c.value))
    return CONTACTS.c.id.in_(sorted(ids))


def conditions(session: Session, flt: ContactFilter) -> list[ColumnElement[bool]]:
    # With a kind or id filter, the rows are found from that set: "+ 0" keeps SQLite off the location index.
    by_set = flt.kind is not None or flt.contact_ids is not None
    location = CONTACTS.c.location_id + 0 if by_set else CONTACTS.c.location_id
    where: list[ColumnElement[bool]] = [location == flt.location_id]
    connected = connected_mask(session, flt.location_id) if flt.status or flt.kind else 0
    if flt.search.strip():
        where.append(_search_condition(session, flt.search, flt.region))
    if flt.status is not None:
        where.append(_status_condition(flt.status, connected))
    if flt.kind is not None:
        where.append(_kind_condition(flt, connected))
    elif flt.channel is not None:
        where.append(CONTACTS.c.dnd_mask.op("&")(flt.channel.bit) != 0)
    if flt.contact_ids is not None:
        where.append(_ids_condition(session, flt.contact_ids))
    return where


def count_contacts(session: Session, flt: ContactFilter) -> int:
    query = select(func.count()).select_from(CONTACTS).where(*conditions(session, flt))
    return int(session.scalar(query) or 0)


def _ordered(query: Select[Any], flt: ContactFilter) -> Select[Any]:
    column: ColumnElement[Any] = CONTACTS.c[flt.sort.value]
    if flt.search.strip() and search_kind(flt.search) != "name" and flt.sort != SortKey.ID:
        column = column + ""  # few rows match an address: find them by address, then sort, not the reverse
    if flt.descending:
        return query.order_by(column.desc(), CONTACTS.c.id.desc())
    return query.order_by(column, CONTACTS.c.id)


def contact_page(session: Session, flt: ContactFilter, offset: int, limit: int) -> list[ContactRow]:
    """One page of the filtered, sorted list, with each contact's DND channels."""
    query = select(CONTACTS.c.id, CONTACTS.c.name, CONTACTS.c.email, CONTACTS.c.phone, CONTACTS.c.dnd_mask).where(
        *conditions(session, flt)
    )
    rows = session.execute(_ordered(query, flt).offset(offset).limit(limit)).all()
    states = dnd_states(session, [row.id for row in rows])
    return [ContactRow(row.id, row.name, row.email, row.phone, row.dnd_mask, states.get(row.id, {})) for row in rows]


def contact_rows(session: Session, ids: Sequence[int]) -> dict[int, ContactRow]:
    """Fresh rows for these contacts (after a change), keyed by id."""
    if not ids:
        return {}
    query = select(CONTACTS.c.id, CONTACTS.c.name, CONTACTS.c.email, CONTACTS.c.phone, CONTACTS.c.dnd_mask).where(
        CONTACTS.c.id.in_(list(ids))
    )
    rows = session.execute(query).all()
    states = dnd_states(session, [row.id for row in rows])
    return {
        row.id: ContactRow(row.id, row.name, row.email, row.phone, row.dnd_mask, states.get(row.id, {})) for row in rows
    }


def dnd_states(session: Session, ids: Sequence[int]) -> dict[int, dict[Channel, ChannelState]]:
    """The DND channels of these contacts, with reason, date and keyword for tooltips."""
    if not ids:
        return {}
    query = (
        select(
            STATES.c.contact_id,
            STATES.c.channel,
            STATES.c.kind,
            STATES.c.reason,
            STATES.c.since_us,
            STATES.c.source,
            STATES.c.event_id,
            EVENTS.c.detail,
        )
        .outerjoin(EVENTS, EVENTS.c.id == STATES.c.event_id)
        .where(STATES.c.contact_id.in_(list(ids)), STATES.c.dnd == true())
    )
    found: dict[int, dict[Channel, ChannelState]] = {}
    for row in session.execute(query):
        if not row.kind or row.channel not in _CHANNEL_VALUES:
            continue
        detail = orjson.loads(row.detail) if row.detail else None
        found.setdefault(row.contact_id, {})[Channel(row.channel)] = ChannelState(
            True, DndKind(row.kind), row.reason, row.since_us, row.source, row.event_id, detail
        )
    return found


_CHANNEL_VALUES = frozenset(c.value for c in CHANNEL_ORDER)
