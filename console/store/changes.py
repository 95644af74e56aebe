"""Change notification between consoles sharing one database (no Qt here: the window polls it from a QTimer).

Writers call :func:`notify` inside their transaction. On PostgreSQL that is ``pg_notify`` on a channel of the
schema, delivered to listeners when (and only if) the transaction commits. On SQLite nothing is sent: a feed
polls ``PRAGMA data_version`` on a connection of its own, which changes whenever another connection or
process commits.

A console opens one feed for its store and calls :meth:`ChangeFeed.poll` every few hundred milliseconds
(or watches :meth:`ChangeFeed.fileno` with a socket notifier on PostgreSQL)::

    feed = open_change_feed(store)
    for change in feed.poll():
        if change.affects(location_id, contact_id):
            refresh()
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from console.errors import StoreUnavailable
from console.store.db import Store, error_line, safe_url

log = logging.getLogger("console.feed")

CHANNEL_PREFIX = "dnd_changes:"
#: The notification channel of the session's schema, so consoles on other schemas of the server never hear it.
CHANNEL_SQL = f"'{CHANNEL_PREFIX}' || left(current_schema(), 50)"
#: A notification lists at most this many contacts; beyond, it says "any contact of the location".
MAX_LISTED_CONTACTS = 500

DND = "dnd"  #: ledger entries or channel states changed
INTEGRATIONS = "integrations"  #: a location's channels were connected or disconnected
ANY = "any"  #: something changed (SQLite, or notifications may have been missed): reload everything
REVIEWS = "reviews"  #: an opt-in review was submitted, updated or decided (without lifting a DND)
OPT_OUTS = "opt_outs"  #: a possible opt-out was dismissed
LOCATIONS = "locations"  #: a location was added
AGENTS = "agents"  #: an agent was added or given another role
CONTACTS = "contacts"  #: a contact was added or edited


@dataclass(frozen=True, slots=True)
class Change:
    """Something another console (or this one) committed.

    ``location_id`` None: any location may have changed. ``contact_ids`` None: any contact of the location;
    an empty set: no contact's state (for example a note in the audit chain).
    """

    what: str
    location_id: int | None = None
    contact_ids: frozenset[int] | None = None
    actor: str | None = None

    def affects(self, location_id: int, contact_id: int | None = None) -> bool:
        """Whether a view of this location (and of this contact, when given) should refresh."""
        if self.location_id is not None and self.location_id != location_id:
            return False
        if contact_id is None or self.contact_ids is None or self.what != DND:
            return True
        return contact_id in self.contact_ids


EVERYTHING = Change(ANY)


def notify(
    session: Session,
    location_id: int | None,
    contact_ids: Iterable[int] | None,
    what: str = DND,
    actor: str | None = None,
) -> None:
    """Tell other consoles, when this transaction commits, what it changed (PostgreSQL; nothing on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = None if contact_ids is None else sorted(set(contact_ids))
    if ids is not None and len(ids) > MAX_LISTED_CONTACTS:
        ids = None
    payload = orjson.dumps({"w": what, "l": location_id, "c": ids, "a": actor}).decode()
    session.execute(text(f"SELECT pg_notify({CHANNEL_SQL}, :payload)"), {"payload": payload})


def parse_payload(payload: str) -> Change:
    try:
        data = orjson.loads(payload)
        ids = data.get("c")
        return Change(
            str(data.get("w") or ANY),
            data.get("l"),
            None if ids is None else frozenset(int(i) for i in ids),
            data.get("a"),
        )
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return EVERYTHING


class ChangeFeed(ABC):
    """Changes committed to the database since the last call. Open with :func:`open_change_feed`."""

    @abstractmethod
    def poll(self) -> list[Change]:
        """Changes seen since the last call; never blocks (cheap enough for a 250 ms QTimer)."""

    @abstractmethod
    def wait(self, timeout: float) -> list[Change]:
        """Block until at least one change is seen or ``timeout`` seconds pass (then an empty list)."""

    def fileno(self) -> int | None:
        """A socket that becomes readable when a notification arrives (PostgreSQL), else None: poll on a timer.

        It changes after a reconnection, so read it again after each :meth:`poll`.
        """
        return None

    @property
    def connected(self) -> bool:
        return True

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()


def open_change_feed(store: Store) -> ChangeFeed:
    """The feed for ``store``'s database; :class:`StoreUnavailable` when the server cannot be reached."""
    if store.dialect == "postgresql":
        try:
            return PgChangeFeed(store)
        except (DBAPIError, store.engine.dialect.loaded_dbapi.Error) as exc:
            raise StoreUnavailable(f"cannot listen for changes on {safe_url(store.url)}: {error_line(exc)}") from None
    if store.dialect == "sqlite":
        return SqliteChangeFeed(store)
    raise ValueError(f"no change feed for {store.dialect}")


class PgChangeFeed(ChangeFeed):
    """LISTEN on a dedicated connection (taken out of the store's pool), reconnecting after a drop."""

    RECONNECT_EVERY_S = 2.0

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._conn: Any = None
        self._channel = ""
        self._next_attempt = 0.0
        self._closed = False
        self._connect()

    def _connect(self) -> None:
        raw = self._store.engine.raw_connection()
        raw.detach()  # ours for good: never handed back to the pool
        conn: Any = raw.dbapi_connection
        try:
            conn.rollback()
            conn.autocommit = True
            (channel,) = conn.execute(f"SELECT {CHANNEL_SQL}").fetchone()
            conn.execute(f'LISTEN "{channel}"')
        except Exception:
            raw.close()
            raise
        self._raw, self._conn, self._channel = raw, conn, str(channel)

    def _drop(self) -> None:
        raw, self._conn = getattr(self, "_raw", None), None
        if raw is not None:
            try:
                raw.close()
            except Exception as exc:  # already broken: nothing more to release
                log.debug("closing the dropped LISTEN connection failed: %s", error_line(exc))
        self._next_attempt = time.monotonic() + self.RECONNECT_EVERY_S

    def _reconnect(self) -> list[Change]:
        if self._closed or time.monotonic() < self._next_attempt:
            return []
        try:
            self._connect()
        except Exception as exc:  # the server is still away: try again later
            log.warning(
                "change feed: reconnecting to %s failed (%s); next attempt in %.0f s",
                safe_url(self._store.url),
                error_line(exc),
                self.RECONNECT_EVERY_S,
            )
            self._drop()
            return []
        log.info("change feed: reconnected to %s; reloading everything", safe_url(self._store.url))
        return [EVERYTHING]  # notifications sent while we were away are lost

    @property
    def connected(self) -> bool:
        return self._conn is not None

    @property
    def channel(self) -> str:
        return self._channel

    def fileno(self) -> int | None:
        conn = self._conn
        return None if conn is None else int(conn.fileno())

    def _read(self, timeout: float, stop_after: int | None) -> list[Change]:
        import psycopg

        with self._lock:
            if self._conn is None:
                return self._reconnect()
            try:
                found = [parse_payload(n.payload) for n in self._conn.notifies(timeout=timeout, stop_after=stop_after)]
                if found:
                    found += [parse_payload(n.payload) for n in self._conn.notifies(timeout=0.0)]
                return found
            except psycopg.Error as exc:
                log.warning("change feed: the LISTEN connection was lost (%s); reconnecting", error_line(exc))
                self._drop()
                return [EVERYTHING]

    def poll(self) -> list[Change]:
        return self._read(0.0, None)

    def wait(self, timeout: float) -> list[Change]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if self._conn is None:
                found = self._read(0.0, None)
                if found or left <= 0:
                    return found
                time.sleep(min(0.1, left))
                continue
            found = self._read(max(left, 0.0), 1)
            if found or left <= 0:
                return found

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()


class SqliteChangeFeed(ChangeFeed):
    """``PRAGMA data_version`` on a read-only connection of its own: it moves when anyone else commits."""

    POLL_EVERY_S = 0.05

    def __init__(self, store: Store) -> None:
        database = store.engine.url.database or ""
        self._conn: sqlite3.Connection | None = None
        self._version = 0
        self._lock = threading.Lock()
        if database and database != ":memory:" and not database.startswith("file:"):
            self._conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout = 2000")
            self._version = self._data_version()

    def _data_version(self) -> int:
        assert self._conn is not None
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def poll(self) -> list[Change]:
        with self._lock:
            if self._conn is None:
                return []
            try:
                version = self._data_version()
            except sqlite3.Error as exc:  # busy or locked a moment: the next poll asks again
                log.debug("change feed: reading data_version failed: %s", exc)
                return []
            if version == self._version:
                return []
            self._version = version
            return [EVERYTHING]

    def wait(self, timeout: float) -> list[Change]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.poll()
            left = deadline - time.monotonic()
            if found or left <= 0:
                return found
            time.sleep(min(self.POLL_EVERY_S, left))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
