"""Migration 0012: on SQLite the entry id is the ledger's rowid and channel states live in their key's b-tree;
the notes index holds the console's notes only. Rows, indexes and the audit survive the upgrade and the downgrade."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event
from console.store.actions import set_dnd
from console.store.audit import verify_chain
from console.store.db import Store
from console.store.ledger import record_events, record_note
from console.store.migrate import alembic_config, current_revision, ensure_schema, head_revision
from console.store.models import Base
from console.store.past import connection_notes
from tests.helpers import World

TABLES = ("events", "channel_states")


def _rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))] for t in TABLES}


def _indexes(store: Store) -> dict[str, set[str]]:
    return {t: {i["name"] for i in inspect(store.engine).get_indexes(t)} for t in TABLES}


def _create(store: Store, table: str) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar_one())


def _fill(store: Store) -> int:
    world = World(store)
    ann, bo = world.contact(), world.contact()
    with store.write() as session:
        set_dnd(session, ann, [Channel.SMS, Channel.CALL], True, "agent-a")
        record_events(session, 1, [Event("mailgun", "b1", 1_709_287_200_000_000, Channel.EMAIL, Effect.SET,
                                         DndKind.TEMPORARY, "email.bounce", address=bo.email)], "importer")
    return ann.id


def test_the_leaner_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if set(TABLES) & set(repr(d).split("'"))] == []
    if store.dialect == "sqlite":
        assert "WITHOUT ROWID" in _create(store, "channel_states")
        with store.engine.connect() as conn:
            columns = {r[1]: (r[2], r[5]) for r in conn.execute(text("PRAGMA table_info(events)"))}
        assert columns["id"] == ("INTEGER", 1)  # INTEGER PRIMARY KEY: the rowid itself


def test_upgrade_to_0012_keeps_every_row_index_and_seal_and_downgrade_undoes_it(store: Store) -> None:
    _fill(store)
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0011")
    assert current_revision(store.engine) == "0011"
    before, indexes = _rows(store), _indexes(store)
    if store.dialect == "sqlite":
        assert "WITHOUT ROWID" not in _create(store, "channel_states")
        assert "id BIGINT NOT NULL" in _create(store, "events")
    ensure_schema(store.engine)
    assert current_revision(store.engine) == head_revision()
    assert _rows(store) == before and _indexes(store) == indexes
    with store.read() as session:
        assert verify_chain(session).ok
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM events WHERE rowid != id")).scalar_one() == 0
    with store.engine.connect() as conn:  # the notes index no longer holds imported entries
        where = "channel IS NULL"
        if store.dialect == "sqlite":
            assert where in _create(store, "ix_events_notes")
        else:
            definition = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_events_notes'"
                                      " AND schemaname = current_schema()"))
            assert where in definition.scalar_one()


def test_connection_notes_are_found_through_the_notes_index(store: Store) -> None:
    _fill(store)
    with store.write() as session:
        record_note(session, 1, "admin", "location.connected", {"channels": "sms"})
    with store.read() as session:
        notes = connection_notes(session, 1)
    assert [n.channels for n in notes if n.connected] == [frozenset({Channel.SMS})]
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            plan = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM events WHERE location_id = 1 AND channel IS NULL"
                " AND contact_id IS NULL AND reason IN ('location.connected', 'location.added')")))
        assert "ix_events_notes" in plan
