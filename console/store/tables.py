"""The ledger's tables as SQL, and the conversions between their rows and domain events and states."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Connection, Table, literal_column
from sqlalchemy.exc import DBAPIError

from console.domain.channels import PHONE_CHANNELS, Channel, DndKind
from console.domain.events import Effect, Event, order_key
from console.domain.state import OFF, ChannelState
from console.store.models import ChannelStateRow, Contact, LedgerEntry

EVENTS = cast(Table, LedgerEntry.__table__)


STATES = cast(Table, ChannelStateRow.__table__)


CONTACTS = cast(Table, Contact.__table__)


CHUNK = 10_000


#: Set and lift events; written as a literal so the partial indexes on the ledger apply.
LIVE = EVENTS.c.effect != literal_column("'none'")


#: The ledger's times are 64-bit (BIGINT): the order text covers all of them.
_TIME_OFFSET = 1 << 63


def order_text(at_us: int, effect: str, source: str, key: str) -> str:
    """``order_key`` as text that sorts the same way, for every time the store can hold.

    The time is 20 characters: a time from 1970 on as its zero-padded digits (as stored before revision 0008),
    an earlier one as ``-`` and the 19 digits of ``at_us + 2**63``, so earlier negatives sort first and every
    negative sorts before every positive (``-`` < ``0``). Zero-padding a negative number (``-000...05`` after
    ``-000...10``) put the later of two pre-1970 times first. Sources are the console's own names, none a prefix
    of another, so the ``|`` after them never decides an order.
    """
    at, rank, src, k = order_key(at_us, effect, source, key)
    if at < 0:
        return f"-{at + _TIME_OFFSET:019d}|{rank}|{src}|{k}"
    return f"{at:020d}|{rank}|{src}|{k}"


def chunked(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Enum members to their plain string values (a dict lookup is much cheaper than ``.value`` in a hot loop).
VALUE: dict[Any, str | None] = {None: None, **{m: m.value for e in (Channel, Effect, DndKind) for m in e}}


class StoredState(NamedTuple):
    """A ``channel_states`` row as read by the bulk paths (the same names as the table's columns)."""

    contact_id: int
    channel: str
    dnd: bool
    kind: str | None
    reason: str | None
    since_us: int | None
    source: str | None
    event_id: int | None
    #: The end of a manual DND (None: no end); the row still says ``dnd`` after it, reads treat it as off.
    until_us: int | None
    last_order: str
    version: int
    changed_by: str | None


STORED_COLUMNS = StoredState._fields


def mark(conn: Connection) -> str:
    """The driver's parameter marker."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def one_of(conn: Connection, column: str, pg_type: str) -> str:
    """A condition "``column`` is one of the values passed as one JSON parameter" (see :func:`values_param`):
    one query whatever the number of values, and the driver adapts one string, not thousands of values."""
    if conn.dialect.name == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(?))"
    return f"{column} IN (SELECT value::{pg_type} FROM json_array_elements_text(%s::json))"


def values_param(conn: Connection, values: Sequence[Any]) -> str:
    return orjson.dumps(list(values)).decode()


@contextmanager
def driver_cursor(conn: Connection) -> Iterator[Any]:
    """The driver's own cursor in the connection's transaction (for COPY); its errors raised as SQLAlchemy's
    ``DBAPIError`` family, like those of statements run through SQLAlchemy."""
    dbapi = conn.dialect.loaded_dbapi
    raw: Any = conn.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        yield cursor
    except dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, dbapi.Error) from exc
    finally:
        cursor.close()


def state_from_row(row: Any) -> ChannelState:
    if row is None or not row.dnd:
        return OFF
    return ChannelState(
        True, DndKind(row.kind), row.reason, row.since_us, row.source, row.event_id, until_us=row.until_us
    )


def channel_address(channel: Channel, email: str | None, phone: str | None) -> str | None:
    if channel == Channel.EMAIL:
        return email
    if channel in PHONE_CHANNELS:
        return phone
    return None


CHANNELS: dict[str | None, Channel | None] = {None: None, **{c.value: c for c in Channel}}


EFFECTS = {e.value: e for e in Effect}


KINDS: dict[str | None, DndKind | None] = {None: None, **{k.value: k for k in DndKind}}


def event_values(ev: Event) -> tuple[Any, ...]:
    """An event as plain JSON-able values (for passing between processes); ``event_from_values`` reverses it."""
    return (ev.source, ev.key, ev.at_us, VALUE[ev.channel], VALUE[ev.effect], VALUE[ev.kind], ev.reason,
            ev.address, ev.contact_id, ev.provider_cleared, ev.detail)


def event_from_values(values: Sequence[Any]) -> Event:
    source, key, at_us, channel, effect, kind, reason, address, contact_id, cleared, detail = values
    return Event(source, key, at_us, CHANNELS[channel], EFFECTS[effect], KINDS[kind], reason, address, contact_id,
                 cleared, detail)


def event_from_row(row: Any) -> Event:
    return Event(
        source=row.source,
        key=row.key,
        at_us=row.at_us,
        channel=Channel(row.channel) if row.channel else None,
        effect=Effect(row.effect),
        kind=DndKind(row.kind) if row.kind else None,
        reason=row.reason,
        address=row.address,
        contact_id=row.contact_id,
        provider_cleared=bool(row.provider_cleared),
        detail=orjson.loads(row.detail) if row.detail else {},
    )
