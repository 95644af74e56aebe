"""The ledger's tables as SQL, and the conversions between their rows and domain events and states."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Connection, Table, literal_column
from sqlalchemy.exc import DBAPIError

from console.domain.channels import PHONE_CHANNELS, Channel, DndKind
from console.domain.events import Effect, Event
from console.domain.state import OFF, ChannelState
from console.store.encoding import CHANNELS as CHANNELS
from console.store.encoding import EFFECTS as EFFECTS
from console.store.encoding import KINDS as KINDS
from console.store.encoding import VALUE as VALUE
from console.store.encoding import event_from_values as event_from_values
from console.store.encoding import event_values as event_values
from console.store.encoding import order_text as order_text
from console.store.models import ChannelStateRow, Contact, LedgerEntry

EVENTS = cast(Table, LedgerEntry.__table__)


STATES = cast(Table, ChannelStateRow.__table__)


CONTACTS = cast(Table, Contact.__table__)


CHUNK = 10_000


def chunked(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Set and lift events; written as a literal so the partial indexes on the ledger apply.
LIVE = EVENTS.c.effect != literal_column("'none'")


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
def staged(cursor: Any, table: str, definition: str, columns: str, rows: Iterable[Sequence[Any]]) -> Iterator[None]:
    """PostgreSQL: ``rows`` COPYed into the session's temporary ``table`` (made on first use with ``definition``,
    emptied at each commit) for the statement run inside the block, and emptied after it for the next use in the
    same transaction."""
    cursor.execute(f"SELECT to_regclass('pg_temp.{table}')")
    if cursor.fetchone()[0] is None:
        cursor.execute(f"CREATE TEMPORARY TABLE {table} {definition} ON COMMIT DELETE ROWS")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    yield
    cursor.execute(f"TRUNCATE {table}")


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
