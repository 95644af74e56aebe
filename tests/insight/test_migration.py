"""Migration 0006: the inbound projection and the indexes of past moments and stats, as the models declare them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from console.store.db import Store
from console.store.insight_models import InboundStateRow
from console.store.migrate import alembic_config, current_revision, ensure_schema
from console.store.models import Base
from tests.reviews.test_migration import _tables_named

MINE = {"inbound_states"}
INDEXES = {"ix_events_notes", "ix_events_sets"}


def test_the_inbound_models_match_the_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diffs if MINE & set(_tables_named(d)) or INDEXES & _index_names(d)]
    assert mine == []
    assert InboundStateRow.__table__.name in Base.metadata.tables


def test_downgrade_to_0004_drops_only_what_0006_added(store: Store) -> None:
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    assert current_revision(store.engine) == "0004"
    assert not MINE & set(store.table_names())
    assert not INDEXES & {i["name"] for i in inspect(store.engine).get_indexes("events")}
    ensure_schema(store.engine)
    assert set(store.table_names()) >= MINE
    assert {i["name"] for i in inspect(store.engine).get_indexes("events")} >= INDEXES


def _index_names(diff: object) -> set[str]:
    items = diff if isinstance(diff, (list, tuple)) else [diff]
    found: set[str] = set()
    for item in items:
        if isinstance(item, (list, tuple)):
            found |= _index_names(item)
        elif type(item).__name__ == "Index" and isinstance(getattr(item, "name", None), str):
            found.add(item.name)  # type: ignore[attr-defined]
    return found
