"""Opening a database: engine settings, the default location, and automatic migration."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from console.errors import StoreUnavailable
from console.store.errors import detail_of, environment_of, unavailable

log = logging.getLogger("console.store")

APP_NAME = "dnd-console"
DB_ENV = "DND_CONSOLE_DB"
PG_CONNECT_TIMEOUT_S = 5
#: PostgreSQL writers lock the chain head's row first: like SQLite's BEGIN IMMEDIATE, one writer at a time, so a
#: read-then-write transaction (an optimistic version check, a duplicate check) always reads committed, final data.
PG_WRITE_LOCK = "SELECT last_id FROM chain_head WHERE id = 1 FOR UPDATE"
#: ``Session.info`` key: the transaction holds the chain's lock.
CHAIN_LOCKED = "dnd_chain_locked"


def default_url() -> str:
    folder = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{folder / 'console.db'}"


def resolve_url(url: str | None) -> str:
    """``url``, or the SQLite file in the user data folder. (``DND_CONSOLE_DB`` is read by Settings alone.)"""
    return url or default_url()


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


#: The first line of a database error, for a one-line message (the driver's own words where it has some).
error_line = detail_of


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the database folder {path.parent}: {exc.strerror}") from None
    if path.is_dir():
        raise StoreUnavailable(f"the database path {path} is a directory")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreUnavailable(f"the database file {path} cannot be read and written")
    if not path.exists() and not os.access(path.parent, os.W_OK):
        raise StoreUnavailable(f"cannot write the database file {path}: the folder is not writable")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.execute("PRAGMA foreign_keys = ON")
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal" and mode != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA wal_autocheckpoint = 8192")  # 32 MB: imports rewrite the same index pages less often
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front, so a read-then-write transaction never fails half way.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("dnd_write") else "BEGIN")


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(url)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # An unreachable server is reported in seconds, not after the operating system's TCP timeout.
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (ImportError, ArgumentError) as exc:
        raise StoreUnavailable(f"cannot use {safe_url(url)}: {exc}") from None


class Store:
    """An opened, migrated database. Open a Session per user action with ``read()`` or ``write()``."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            from console.store.migrate import ensure_schema

            try:
                ensure_schema(self.engine)
            except DBAPIError as exc:
                if environment_of(exc) is None:
                    raise
                log.warning("cannot open %s: %s", safe_url(self.url), detail_of(exc))
                raise StoreUnavailable(self._describe(exc)) from None

    def _describe(self, exc: BaseException) -> str:
        return f"cannot open the database {safe_url(self.url)}: {error_line(exc)}"

    def _sorted(self, exc: DBAPIError, doing: str) -> BaseException:
        """The error to raise for a driver error: Unavailable for the environment's doing, else the error itself."""
        found = unavailable(exc, f"{doing} {safe_url(self.url)}")
        return exc if found is None else found

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A Session for reading; closed (never committed) when the block ends, its objects kept readable.

        A driver error caused by the environment (locked, busy, lost connection...) is raised as Unavailable.
        """
        with self._sessions() as session:
            try:
                yield session
            except DBAPIError as exc:
                error = self._sorted(exc, "cannot read the database")
                if error is exc:
                    raise
                raise error from None

    @contextmanager
    def write(self, *, chain_lock: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        A driver error caused by the environment (locked, busy, lost connection, disk full, permission) is raised
        as Unavailable, with ``retryable`` set where trying again may help; any other driver error is a bug.
        ``chain_lock=False`` (PostgreSQL): other writers are not held from the start; the transaction takes the
        chain's lock itself when it appends (``ledger.lock_chain``), so what it prepares before does not hold them.
        """
        with self._sessions() as session:
            try:
                connection = session.connection(execution_options={"dnd_write": True})
                if self.dialect == "postgresql" and chain_lock:
                    connection.exec_driver_sql(PG_WRITE_LOCK)
                # whether this transaction already holds the chain's lock (SQLite: the write lock, from BEGIN)
                session.info[CHAIN_LOCKED] = chain_lock or self.dialect == "sqlite"
            except DBAPIError as exc:
                error = self._sorted(exc, "cannot write to the database")
                if error is exc:
                    raise
                raise error from None
            try:
                yield session
                session.commit()
            except DBAPIError as exc:
                with contextlib.suppress(DBAPIError):  # the connection may be gone already
                    session.rollback()
                error = self._sorted(exc, "cannot write to the database")
                if error is exc:
                    raise
                raise error from None
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()
