"""Driver errors sorted at the store boundary by error code: the environment's become Unavailable (retryable
where trying again may help), our bugs are re-raised as they are."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError

from console.errors import ConsoleError, StoreUnavailable, Unavailable
from console.store.db import Store
from console.store.errors import environment_of


def short_waits(store: Store) -> None:
    """New connections give up on a lock after 50 ms instead of the console's 15 s (SQLite) or never (PG)."""

    def connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 50" if store.dialect == "sqlite" else "SET lock_timeout = '50ms'")
        cursor.close()
        if store.dialect == "postgresql":
            dbapi_connection.commit()  # a SET inside a transaction that is rolled back is undone with it

    store.engine.dispose()
    event.listen(store.engine, "connect", connect)


def test_sqlite_result_codes_sort_busy_from_bugs(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as syntax:
        other.execute("SELEC 1")
    holder.close()
    other.close()
    found = environment_of(busy.value)
    assert found is not None and found.retryable
    assert environment_of(syntax.value) is None  # SQLITE_ERROR: our SQL is wrong, a bug


def test_a_locked_database_is_unavailable_and_retryable_then_works(store: Store) -> None:
    short_waits(store)
    if store.dialect == "sqlite":
        holder = sqlite3.connect(store.engine.url.database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.rollback
    else:
        engine = create_engine(store.url)
        conn = engine.connect()
        conn.execute(text("SELECT last_id FROM chain_head WHERE id = 1 FOR UPDATE"))
        release = conn.rollback
    with pytest.raises(Unavailable) as caught, store.write() as session:
        session.execute(text("SELECT 1"))
    assert caught.value.retryable and "busy" in str(caught.value)
    assert isinstance(caught.value, ConsoleError) and isinstance(caught.value, StoreUnavailable)
    release()
    with store.write() as session:  # the lock is gone: the same write goes through
        session.execute(text("SELECT 1"))
    if store.dialect == "sqlite":
        holder.close()
    else:
        conn.close()
        engine.dispose()


def test_our_bug_is_reraised_not_dressed_as_the_environment(store: Store) -> None:
    with pytest.raises(DBAPIError) as caught, store.read() as session:
        session.execute(text("SELEC 1"))
    assert not isinstance(caught.value, ConsoleError)
    with pytest.raises(DBAPIError), store.write() as session:
        session.execute(text("INSERT INTO no_such_table VALUES (1)"))


def test_postgres_sqlstates_sort_the_environment_from_bugs() -> None:
    class Fake(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    assert environment_of(Fake("40P01")).retryable  # deadlock
    assert environment_of(Fake("08006")).retryable  # connection failure
    assert not environment_of(Fake("53100")).retryable  # disk full
    assert not environment_of(Fake("42501")).retryable  # permission
    assert environment_of(Fake("42601")) is None  # syntax error: a bug
    assert environment_of(Fake("23505")) is None  # unique violation we did not expect: a bug
