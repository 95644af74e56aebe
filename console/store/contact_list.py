"""The contact list of the window: filtering, sorting, counting and paging in SQL.

Filters work on ``contacts.dnd_mask`` (one bit per channel) and on ``channel_states`` for DND kinds, so a
list of a million contacts is never loaded: the window asks for a count and for pages of rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, Select, Table, and_, false, func, select, true
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind, channels_in
from console.domain.events import now_us
from console.domain.state import ChannelState, Status
from console.store.contact_search import Search, search_for
from console.store.locations import connected_mask
from console.store.models import ChannelStateRow, Contact, LedgerEntry
from console.store.until import effective_mask, state_on

CONTACTS = cast(Table, Contact.__table__)
STATES = cast(Table, ChannelStateRow.__table__)
EVENTS = cast(Table, LedgerEntry.__table__)


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


def _kind_condition(flt: ContactFilter, connected: int, now: int) -> ColumnElement[bool]:
    assert flt.kind is not None
    channels = [flt.channel] if flt.channel else channels_in(connected)
    if not channels:
        return false()
    holders = select(STATES.c.contact_id).where(
        STATES.c.kind == flt.kind.value,
        state_on(now),
        STATES.c.channel.in_([c.value for c in channels]),
    )
    return CONTACTS.c.id.in_(holders)


def _status_condition(status: Status, connected: int, now: int) -> ColumnElement[bool]:
    relevant = effective_mask(now).op("&")(connected)
    if status == Status.OFF:
        return true() if connected == 0 else relevant == 0
    if connected == 0:
        return false()
    if status == Status.ON:
        return relevant == connected
    return and_(relevant != 0, relevant != connected)


def _mask_now() -> ColumnElement[int]:
    """The listed rows' ``dnd_mask`` as it reads now (ended manual DND out)."""
    return effective_mask(now_us()).label("dnd_mask")


def _ids_condition(session: Session, ids: frozenset[int]) -> ColumnElement[bool]:
    """Membership in a possibly large id set, as one bound parameter on SQLite."""
    if not ids:
        return false()
    if session.get_bind().dialect.name == "sqlite":
        listed = func.json_each(orjson.dumps(sorted(ids)).decode()).table_valued("value")
        return CONTACTS.c.id.in_(select(listed.c.value))
    return CONTACTS.c.id.in_(sorted(ids))


def _search(session: Session, flt: ContactFilter) -> Search | None:
    return search_for(session, flt.search, flt.region, flt.location_id) if flt.search.strip() else None


def conditions(
    session: Session, flt: ContactFilter, search: Search | None, search_first: bool
) -> list[ColumnElement[bool]]:
    """The WHERE terms; ``search_first``: the search's matches are found first (not the location's contacts)."""
    # Rows found from a set (a kind, ids, search matches): "+ 0" keeps SQLite off the location index.
    by_set = flt.kind is not None or flt.contact_ids is not None or (search is not None and search_first)
    location = CONTACTS.c.location_id + 0 if by_set else CONTACTS.c.location_id
    where: list[ColumnElement[bool]] = [location == flt.location_id]
    connected = connected_mask(session, flt.location_id) if flt.status or flt.kind else 0
    now = now_us()  # a manual DND whose end has come reads as off (store/until.py)
    if search is not None:
        where.append(search.condition)
    if flt.status is not None:
        where.append(_status_condition(flt.status, connected, now))
    if flt.kind is not None:
        where.append(_kind_condition(flt, connected, now))
    elif flt.channel is not None:
        where.append(effective_mask(now).op("&")(flt.channel.bit) != 0)
    if flt.contact_ids is not None:
        where.append(_ids_condition(session, flt.contact_ids))
    return where


def count_contacts(session: Session, flt: ContactFilter) -> int:
    search = _search(session, flt)
    only_search = flt.status is None and flt.channel is None and flt.kind is None and flt.contact_ids is None
    if search is not None and search.index_count is not None and only_search:
        return int(session.scalar(search.index_count) or 0)
    # Counting needs every match, so it starts from the search's matches (SQLite; PostgreSQL plans alone).
    query = select(func.count()).select_from(CONTACTS).where(*conditions(session, flt, search, True))
    return int(session.scalar(query) or 0)


#: Matches the window counts before it shows a list; past that it shows at once and counts the rest after.
COUNT_AT_ONCE = 5000


def count_contacts_up_to(session: Session, flt: ContactFilter, cap: int) -> tuple[int, bool]:
    """The count, exact when it is ``cap`` or less; past that ``(cap + 1, False)``, found without counting every
    match: a search's matches are read from the trigram index only until ``cap + 1`` (counting all 183,000 matches
    of a common email domain takes half a second on a million contacts; this, a few milliseconds). With other
    filters besides the search, and on PostgreSQL (its planner counts the pg_trgm matches), the count is exact."""
    search = _search(session, flt)
    only_search = flt.status is None and flt.channel is None and flt.kind is None and flt.contact_ids is None
    if search is None or search.few or search.index_matches is None or not only_search:
        return count_contacts(session, flt), True
    first = search.index_matches.limit(cap + 1).subquery()
    found = int(session.scalar(select(func.count()).select_from(first)) or 0)
    return (found, True) if found <= cap else (cap + 1, False)


def _listing(session: Session, flt: ContactFilter) -> Select[Any]:
    """The filtered, sorted rows: few search matches are collected, then sorted; many are met walking the sort
    order, each row tested."""
    search = _search(session, flt)
    if search is not None and not search.few and search.row_test is not None:
        search = replace(search, condition=search.row_test)
    query = select(CONTACTS.c.id, CONTACTS.c.name, CONTACTS.c.email, CONTACTS.c.phone, _mask_now()).where(
        *conditions(session, flt, search, search is not None and search.few)
    )
    return _ordered(query, flt, search)


def _ordered(query: Select[Any], flt: ContactFilter, search: Search | None) -> Select[Any]:
    column: ColumnElement[Any] = CONTACTS.c[flt.sort.value]
    if search is not None and search.few:  # few rows match: find them, then sort, rather than walk the sort order
        column = column + 0 if flt.sort in (SortKey.ID, SortKey.STATUS) else column + ""
    if flt.descending:
        return query.order_by(column.desc(), CONTACTS.c.id.desc())
    return query.order_by(column, CONTACTS.c.id)


def contact_page(session: Session, flt: ContactFilter, offset: int, limit: int) -> list[ContactRow]:
    """One page of the filtered, sorted list, with each contact's DND channels."""
    rows = session.execute(_listing(session, flt).offset(offset).limit(limit)).all()
    states = dnd_states(session, [row.id for row in rows])
    return [ContactRow(row.id, row.name, row.email, row.phone, row.dnd_mask, states.get(row.id, {})) for row in rows]


def contact_chunks(
    session: Session, flt: ContactFilter, limit: int | None = None, chunk: int = 2000
) -> Iterator[list[ContactRow]]:
    """The whole filtered, sorted list (or its first ``limit`` rows) in chunks, streamed: an export of a million
    contacts never holds more than one chunk."""
    query = _listing(session, flt)
    if limit is not None:
        query = query.limit(limit)
    for rows in session.execute(query.execution_options(yield_per=chunk)).partitions():
        states = dnd_states(session, [row.id for row in rows])
        yield [ContactRow(r.id, r.name, r.email, r.phone, r.dnd_mask, states.get(r.id, {})) for r in rows]


def contact_rows(session: Session, ids: Sequence[int]) -> dict[int, ContactRow]:
    """Fresh rows for these contacts (after a change), keyed by id."""
    if not ids:
        return {}
    query = select(CONTACTS.c.id, CONTACTS.c.name, CONTACTS.c.email, CONTACTS.c.phone, _mask_now()).where(
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
            STATES.c.until_us,
            EVENTS.c.detail,
        )
        .outerjoin(EVENTS, EVENTS.c.id == STATES.c.event_id)
        .where(STATES.c.contact_id.in_(list(ids)), state_on(now_us()))
    )
    found: dict[int, dict[Channel, ChannelState]] = {}
    for row in session.execute(query):
        if not row.kind or row.channel not in _CHANNEL_VALUES:
            continue
        detail = orjson.loads(row.detail) if row.detail else None
        found.setdefault(row.contact_id, {})[Channel(row.channel)] = ChannelState(
            True, DndKind(row.kind), row.reason, row.since_us, row.source, row.event_id, detail, row.until_us
        )
    return found


_CHANNEL_VALUES = frozenset(c.value for c in CHANNEL_ORDER)


def contact_ids(session: Session, flt: ContactFilter, offset: int = 0, limit: int | None = None) -> list[int]:
    """The ids of the filtered, sorted list (rows ``offset`` to ``offset + limit``): what "all matching the
    filter", or a range of rows the window selected, names."""
    query = _listing(session, flt).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [int(row.id) for row in session.execute(query)]
