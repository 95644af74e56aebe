"""Driver errors sorted once, at the store boundary: the user's environment, or our bug.

The sort goes by the database's own error code, never by the message text: SQLite's extended result code
(``sqlite3.Error.sqlite_errorcode``, whose low byte is the primary code) and PostgreSQL's SQLSTATE
(``psycopg.Error.sqlstate``). An environment error (locked, busy, connection lost, disk full, permission, a
server shutting down) becomes :class:`~console.errors.Unavailable` with a clear message and a ``retryable`` flag;
anything else (a syntax error, a constraint we did not expect) is our bug and is re-raised untouched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError

from console.errors import Unavailable

log = logging.getLogger("console.store")


@dataclass(frozen=True, slots=True)
class Environment:
    """What went wrong around the console, in the user's words, and whether trying again may help."""

    what: str
    retryable: bool


BUSY = Environment("the database is busy (another console or import is writing); try again in a moment", True)
LOST = Environment("the connection to the database was lost; try again when it is back", True)

#: SQLite primary result codes (https://sqlite.org/rescode.html) that are the environment's doing.
SQLITE_ENVIRONMENT: dict[int, Environment] = {
    3: Environment("the database file's permissions refuse access", False),  # SQLITE_PERM
    5: BUSY,  # SQLITE_BUSY
    6: BUSY,  # SQLITE_LOCKED
    7: Environment("out of memory", False),  # SQLITE_NOMEM
    8: Environment("the database is read-only (check the file's and folder's permissions)", False),  # READONLY
    10: Environment("the disk could not be read or written", False),  # SQLITE_IOERR
    11: Environment("the database file is damaged", False),  # SQLITE_CORRUPT
    13: Environment("the disk is full", False),  # SQLITE_FULL
    14: Environment("the database file cannot be opened", False),  # SQLITE_CANTOPEN
    15: BUSY,  # SQLITE_PROTOCOL: a locking race between processes
    23: Environment("access to the database was denied", False),  # SQLITE_AUTH
    26: Environment("the file is not a database", False),  # SQLITE_NOTADB
}

#: PostgreSQL SQLSTATE classes (first two characters) and codes that are the environment's doing.
PG_CLASSES: dict[str, Environment] = {
    "08": LOST,  # connection exception
    "53": Environment("the database server is out of resources (disk, memory or connections)", True),
    "57": Environment("the database server is shutting down or restarting; try again in a moment", True),
    "58": Environment("the database server could not read or write its disk", False),
    "28": Environment("the database refused the login (check the user and password)", False),
    "3D": Environment("the database does not exist on the server", False),
    "40": BUSY,  # serialization failure, deadlock: the transaction can be run again
}
PG_CODES: dict[str, Environment] = {
    "42501": Environment("the database user lacks the permission for this", False),  # insufficient_privilege
    "55P03": BUSY,  # lock_not_available
    "53100": Environment("the database server's disk is full", False),  # disk_full
    "57014": BUSY,  # query_canceled (a statement or lock timeout)
}


def sqlite_code(orig: BaseException) -> int | None:
    code = getattr(orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def pg_sqlstate(orig: BaseException) -> str | None:
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state if isinstance(state, str) else None


def environment_of(exc: BaseException) -> Environment | None:
    """The environment problem behind a driver error, or None when it is our bug."""
    orig: BaseException = getattr(exc, "orig", None) or exc
    code = sqlite_code(orig)
    if code is not None:
        return SQLITE_ENVIRONMENT.get(code)
    state = pg_sqlstate(orig)
    if state is not None:
        return PG_CODES.get(state) or PG_CLASSES.get(state[:2])
    # psycopg reports a connection that failed, timed out or dropped without a SQLSTATE, as an OperationalError
    # (DB-API's class for "not the programmer's fault"); SQLAlchemy marks a connection it threw away as invalidated.
    if isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return LOST
    return None


def detail_of(exc: BaseException) -> str:
    """The first line of a driver error (the driver's own words where it has some)."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def unavailable(exc: BaseException, where: str) -> Unavailable | None:
    """The :class:`Unavailable` for an environment error (``where``: what the console was doing), else None."""
    found = environment_of(exc)
    if found is None:
        return None
    log.warning("%s: %s (%s)", where, found.what, detail_of(exc))
    return Unavailable(f"{where}: {found.what} ({detail_of(exc)})", retryable=found.retryable)
