"""Opening a database: engine settings, the default location, and automatic migration."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from console.errors import StoreUnavailable, UserError
from console.errors import WriterNeeded as WriterNeeded  # raised by Store.write, re-exported
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


#: Query parameters that carry a secret (libpq's ``password`` and the spellings drivers accept).
SECRET_PARAMS = frozenset({"password", "passwd", "pwd", "pass", "sslpassword"})
UNREADABLE_URL = (
    "the database URL cannot be read (expected sqlite:///PATH or postgresql+psycopg://USER@HOST[:PORT]/DATABASE); "
    "it is not shown, as it may hold a password"
)


def parse_url(url: str) -> URL:
    """The URL parsed; one that cannot be read (a missing ``://``, a port that is not a number) is bad usage,
    reported without its text."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a port that is not a number in range fails here, not deep in the driver
    except (ArgumentError, ValueError, TypeError):
        raise UserError(UNREADABLE_URL) from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UserError(UNREADABLE_URL)
    return parsed


def secrets_of(url: str) -> list[str]:
    """The password texts a URL carries (user part and query parameters), longest first, for redaction."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return [url]  # unreadable: the whole text is a secret
    found = [str(parsed.password)] if parsed.password else []
    for name, value in parsed.query.items():
        if name.lower() in SECRET_PARAMS:
            found += [value] if isinstance(value, str) else list(value)
    found += [quote(text, safe="") for text in found]
    return sorted({text for text in found if text}, key=len, reverse=True)


def redact(message: str, url: str) -> str:
    """``message`` with every password of ``url`` replaced by ``***``."""
    for secret in secrets_of(url):
        message = message.replace(secret, "***")
    return message


def safe_url(url: str) -> str:
    """The URL with its password hidden (user part and ``password=`` parameters), for messages."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return "(an unreadable database URL)"
    hidden = {k: "***" for k in parsed.query if k.lower() in SECRET_PARAMS}
    if hidden:
        parsed = parsed.update_query_dict(hidden)
    return redact(parsed.render_as_string(hide_password=True), url).replace("%2A%2A%2A", "***")


#: The first line of a database error, for a one-line message (the driver's own words where it has some).
error_line = detail_of


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    try:
        make_private_folder(path.parent)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the database folder {path.parent}: {exc.strerror}") from None
    if path.is_dir():
        raise StoreUnavailable(f"the database path {path} is a directory")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreUnavailable(f"the database file {path} cannot be read and written")
    if not path.exists() and not os.access(path.parent, os.W_OK):
        raise StoreUnavailable(f"cannot write the database file {path}: the folder is not writable")
    if not path.exists():
        try:  # SQLite creates its -wal and -shm files with the database file's mode: 0600 for all three
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
            os.chmod(path, PRIVATE_FILE)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreUnavailable(f"cannot create the database file {path}: {exc.strerror}") from None
    if url == default_url():
        tighten_default(path)


def tighten_default(path: Path) -> None:
    """The console's own folder and database are private even when an older version made them 0755 / 0644."""
    try:
        os.chmod(path.parent, PRIVATE_FOLDER)
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            if (path.parent / name).exists():
                os.chmod(path.parent / name, PRIVATE_FILE)
    except OSError:
        pass  # not ours to change (another user's folder): SQLite itself will say what it cannot do


PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and missing parents) 0700 whatever the umask; an existing folder is left as it is."""
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    for made in missing:
        os.chmod(made, PRIVATE_FOLDER)


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
    parsed = parse_url(url)
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
        raise StoreUnavailable(redact(f"cannot use {safe_url(url)}: {exc}", url)) from None


#: True when the login may write the ledger itself (the schema's owner); false for a login set up with db grant.
GRANTED_SQL = "SELECT has_table_privilege(current_user, 'events', 'INSERT')"


class Store:
    """An opened, migrated database. Open a Session per user action with ``read()`` or ``write()``."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._granted: bool | None = None
        #: Connections kept open beside the pool (store.requests: a granted login's listening connections to the
        #: team's writer, reused request after request); dispose closes them.
        self.kept: list[Any] = []
        if migrate:
            from console.store.migrate import ensure_schema

            try:
                ensure_schema(self.engine)
            except DBAPIError as exc:
                if environment_of(exc) is None:
                    if "connection option" in detail_of(exc):  # the URL names an option the driver refuses
                        raise UserError(self._describe(exc)) from None
                    raise
                log.warning("cannot open %s: %s", safe_url(self.url), detail_of(exc))
                raise StoreUnavailable(self._describe(exc)) from None

    def _describe(self, exc: BaseException) -> str:
        return redact(f"cannot open the database {safe_url(self.url)}: {error_line(exc)}", self.url)

    def _sorted(self, exc: DBAPIError, doing: str) -> BaseException:
        """The error to raise for a driver error: Unavailable for the environment's doing, else the error itself."""
        found = unavailable(exc, f"{doing} {safe_url(self.url)}")
        return exc if found is None else found

    def writes_through_writer(self) -> bool:
        """A PostgreSQL login set up with ``db grant``: the server lets it write nothing itself (store/team.py)."""
        if self.dialect != "postgresql":
            return False
        if self._granted is None:
            try:
                with self.engine.connect() as conn:
                    self._granted = not conn.exec_driver_sql(GRANTED_SQL).scalar()
            except (OperationalError, DBAPIError) as exc:
                raise StoreUnavailable(self._describe(exc)) from None
        return self._granted

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
        A granted PostgreSQL login raises :class:`WriterNeeded` instead: its command goes to the writer.
        """
        if self.writes_through_writer():
            raise WriterNeeded(self)
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
        while self.kept:
            with contextlib.suppress(Exception):
                self.kept.pop().close()
        self.engine.dispose()

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()
