"""Live refresh: a change committed by another store or process is seen within 2 seconds."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from console.domain.channels import Channel
from console.store.actions import set_dnd
from console.store.changes import ANY, DND, INTEGRATIONS, Change, PgChangeFeed, open_change_feed
from console.store.db import Store
from console.store.locations import set_connected
from console.store.models import Contact
from tests.cli.clitools import sql

from .conftest import Databases, add_contacts

Opener = Callable[[str], Store]
ROOT = Path(__file__).resolve().parents[2]


def turn_on(store: Store, contact_id: int, channel: Channel, actor: str = "alice") -> None:
    with store.write() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        set_dnd(session, contact, [channel], True, actor)


def test_a_change_by_another_store_is_seen_within_two_seconds(databases: Databases, open_store: Opener) -> None:
    url = databases.new()
    writer, watcher = open_store(url), open_store(url)
    (cid,) = add_contacts(writer, 1)
    with open_change_feed(watcher) as feed:
        assert feed.poll() == []
        started = time.perf_counter()
        assert feed.poll() == []
        assert time.perf_counter() - started < 0.05  # cheap enough for a QTimer
        turn_on(writer, cid, Channel.SMS)
        committed = time.perf_counter()
        changes = feed.wait(2.0)
        assert changes and time.perf_counter() - committed < 2.0
        assert any(c.affects(1, cid) for c in changes)
        assert feed.poll() == []  # reported once


def test_a_change_by_another_process_is_seen_within_two_seconds(databases: Databases, open_store: Opener) -> None:
    url = databases.new()
    watcher = open_store(url)
    add_contacts(watcher, 1)
    with open_change_feed(watcher) as feed:
        env = {**os.environ, "DND_CONSOLE_ACTOR": "bob", "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "console", "--db", url, "set", "user0@example.com", "--channel", "email", "--on"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        committed = time.perf_counter()
        changes = feed.wait(2.0)
        assert changes and time.perf_counter() - committed < 2.0
        assert all(c.affects(1, 1) for c in changes)


def test_nothing_is_reported_while_nobody_writes(databases: Databases, open_store: Opener) -> None:
    url = databases.new()
    store = open_store(url)
    with open_change_feed(store) as feed:
        with store.read() as session:
            session.get(Contact, 1)
        assert feed.wait(0.3) == []


# -- PostgreSQL: what the notification says ----------------------------------------------------------------------


def test_notifications_name_the_location_contacts_and_actor(pg_databases: Databases, open_store: Opener) -> None:
    url = pg_databases.new()
    writer, watcher = open_store(url), open_store(url)
    ids = add_contacts(writer, 3)
    with open_change_feed(watcher) as feed:
        assert isinstance(feed, PgChangeFeed)
        assert feed.fileno() is not None and feed.connected
        feed.wait(0.2)  # the contacts' own notification, if any
        turn_on(writer, ids[1], Channel.EMAIL, actor="carol")
        (change,) = feed.wait(2.0)
        assert change == Change(DND, 1, frozenset({ids[1]}), "carol")
        assert change.affects(1, ids[1]) and not change.affects(1, ids[0]) and not change.affects(2)

        with writer.write() as session:
            set_connected(session, 1, [Channel.GMB], False)
        (change,) = feed.wait(2.0)
        assert change.what == INTEGRATIONS and change.location_id == 1 and change.affects(1, ids[0])


def test_a_rolled_back_change_sends_nothing(pg_databases: Databases, open_store: Opener) -> None:
    url = pg_databases.new()
    writer, watcher = open_store(url), open_store(url)
    (cid,) = add_contacts(writer, 1)
    with open_change_feed(watcher) as feed:
        feed.wait(0.2)
        with pytest.raises(RuntimeError), writer.write() as session:
            contact = session.get(Contact, cid)
            assert contact is not None
            set_dnd(session, contact, [Channel.SMS], True, "alice")
            raise RuntimeError("the agent's window crashed")
        assert feed.wait(0.5) == []


def test_other_schemas_are_not_heard(pg_databases: Databases, open_store: Opener) -> None:
    mine, theirs = open_store(pg_databases.new()), open_store(pg_databases.new())
    (cid,) = add_contacts(theirs, 1)
    with open_change_feed(mine) as feed:
        turn_on(theirs, cid, Channel.SMS)
        assert feed.wait(0.5) == []


def test_the_feed_reconnects_after_its_connection_drops(
    pg_databases: Databases, open_store: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="console.feed")
    url = pg_databases.new()
    writer, watcher = open_store(url), open_store(url)
    ids = add_contacts(writer, 2)
    with open_change_feed(watcher) as feed:
        assert isinstance(feed, PgChangeFeed)
        feed.wait(0.2)
        feed.RECONNECT_EVERY_S = 0.0
        pid = feed._conn.info.backend_pid
        sql(url, "SELECT pg_terminate_backend(:pid, 5000)", pid=pid)
        changes = feed.wait(3.0)  # the drop itself: reload everything, notifications may be lost
        assert [c.what for c in changes] == [ANY]
        deadline = time.monotonic() + 5
        while not feed.connected and time.monotonic() < deadline:
            feed.poll()
            time.sleep(0.05)
        assert feed.connected
        feed.poll()
        turn_on(writer, ids[0], Channel.SMS)
        assert any(c.affects(1, ids[0]) for c in feed.wait(2.0))
    logged = [r.getMessage() for r in caplog.records if r.name == "console.feed"]
    assert any("connection was lost" in m for m in logged) and any("reconnected" in m for m in logged)


def test_a_failed_reconnection_is_logged_not_swallowed(
    pg_databases: Databases, open_store: Opener, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = open_store(pg_databases.new())
    with open_change_feed(watcher) as feed:
        assert isinstance(feed, PgChangeFeed)
        feed._drop()
        feed._next_attempt = 0.0

        def refuse() -> None:
            raise OSError("connection refused")

        monkeypatch.setattr(feed, "_connect", refuse)
        with caplog.at_level(logging.WARNING, logger="console.feed"):
            assert feed.poll() == []
    assert any("reconnecting" in r.getMessage() and "connection refused" in r.getMessage() for r in caplog.records)
