"""Faults: an unreachable or silent server at start, a connection dropped in the middle of an import."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, select, text

from console.errors import StoreUnavailable
from console.importers.pipeline import run_import
from console.store.changes import open_change_feed
from console.store.db import Store
from console.store.models import ImportBatch

from .conftest import Databases, Result, add_contacts, assert_one_line_error
from .test_concurrency import accounted, final_state, write_events

ROOT = Path(__file__).resolve().parents[2]
Cli = Callable[..., Result]
Opener = Callable[[str], Store]


def run_console(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DND_CONSOLE_DB", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "console", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    return done, time.perf_counter() - started


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/test"
    for args in (("status", "1"), ("db", "upgrade"), ("import", "--help")):
        done, elapsed = run_console("--db", url, *args)
        if args[-1] == "--help":
            assert done.returncode == 0  # help needs no database
            continue
        assert done.returncode == 2, done
        assert "secret" not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert "postgresql+psycopg://postgres:***@127.0.0.1:1/test" in line
        assert elapsed < 15


def test_a_change_feed_on_an_unreachable_server_is_a_store_error() -> None:
    store = Store("postgresql+psycopg://postgres:secret@127.0.0.1:1/test", migrate=False)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            open_change_feed(store)
    finally:
        store.dispose()
    assert "secret" not in str(caught.value) and "postgres:***@127.0.0.1:1/test" in str(caught.value)


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung server, a firewall that swallows packets)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_silent_server_times_out_in_seconds() -> None:
    with silent_server() as port:
        url = f"postgresql+psycopg://agent:secret@127.0.0.1:{port}/team"
        started = time.perf_counter()
        with pytest.raises(StoreUnavailable) as caught:
            Store(url)
        elapsed = time.perf_counter() - started
    assert elapsed < 10  # the default connect timeout is 5 s
    assert "secret" not in str(caught.value) and f"agent:***@127.0.0.1:{port}/team" in str(caught.value)


# -- the connection drops in the middle of an import ------------------------------------------------------------


class BackendKiller:
    """Terminates the connection of the import's Nth ledger append, from another connection, mid-transaction."""

    def __init__(self, admin_url: str, at_append: int) -> None:
        self.admin = create_engine(admin_url)
        self.at_append = at_append
        self.appends = 0
        self.killed: list[int] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        # the append itself is a COPY on PostgreSQL (no statement event): the head's update follows it
        head_update = statement.startswith("UPDATE chain_head") and "last_hash" in statement
        if not (statement.startswith("INSERT INTO events") or head_update):
            return
        self.appends += 1
        if self.appends == self.at_append:
            pid = cursor.connection.info.backend_pid
            with self.admin.begin() as admin:
                assert admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()
            self.killed.append(pid)


def clean_import_state(databases: Databases, events: Path) -> dict[str, Any]:
    store = Store(databases.new())
    try:
        add_contacts(store, 60)
        run_import(store, [events], location=None, actor="importer", chunk_records=500)
        return final_state(store)
    finally:
        store.dispose()


def test_a_dropped_connection_stops_the_import_and_a_rerun_completes_it(
    pg_databases: Databases, open_store: Opener, tmp_path: Path
) -> None:
    events = write_events(tmp_path / "events.jsonl", range(3000))
    expected = clean_import_state(pg_databases, events)
    url = pg_databases.new()
    store = open_store(url)
    add_contacts(store, 60)
    killer = BackendKiller(url, at_append=3)
    event.listen(store.engine, "before_cursor_execute", killer)
    with pytest.raises(StoreUnavailable) as caught:
        run_import(store, [events], location=None, actor="importer", chunk_records=500)
    event.remove(store.engine, "before_cursor_execute", killer)
    killer.admin.dispose()
    message = str(caught.value)
    assert killer.killed and "connection was lost" in message and "run the same import again" in message
    with store.read() as session:
        assert session.scalar(select(ImportBatch.state)) == "failed"

    again = run_import(store, [events], location=None, actor="importer", chunk_records=500)
    assert accounted(again) == 3000
    assert again.counts["duplicate"] == 1000  # the two chunks committed before the drop
    assert final_state(store) == expected


def test_the_cli_reports_a_dropped_connection_in_one_line(
    pg_databases: Databases, open_store: Opener, run_cli: Cli, tmp_path: Path
) -> None:
    events = write_events(tmp_path / "events.jsonl", range(25_000))  # three chunks of 10,000
    url = pg_databases.new()
    add_contacts(open_store(url), 60)
    killer = BackendKiller(url, at_append=2)
    event.listen(Engine, "before_cursor_execute", killer)
    try:
        result = run_cli(url, "import", str(events), "--json")
    finally:
        event.remove(Engine, "before_cursor_execute", killer)
        killer.admin.dispose()
    line = assert_one_line_error(result, 2)
    assert line.startswith("dnd-console: the import stopped: the database connection was lost")

    rerun = run_cli(url, "import", str(events), "--json")
    assert rerun.code == 0, rerun
    summary = json.loads(rerun.stdout)
    assert summary["records"] == 25_000 and summary["duplicates"] == 10_000
    assert run_cli(url, "audit", "verify").code == 0
