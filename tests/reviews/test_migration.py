"""Migration 0002: a database made at 0001 keeps its data when upgraded; the models match the migrations."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from console.domain.channels import Channel, DndKind
from console.store.actions import set_dnd
from console.store.audit import verify_chain
from console.store.db import Store
from console.store.identity import add_agent
from console.store.migrate import alembic_config, current_revision, ensure_schema, head_revision
from console.store.models import Base
from console.store.queries import channel_states
from console.store.review_models import OptInReview
from console.store.reviews import approve_review, submit_review
from tests.helpers import World

from .conftest import BUSINESS, REVIEWER, SUBMITTER, VIDEO, lock_ann

REVIEW_TABLES = {"opt_in_reviews", "review_evidence", "review_numbers", "review_state_changes"}


def test_a_database_at_0001_keeps_its_data_when_upgraded(db_url: str) -> None:
    # Data written by today's code, then the schema taken back to 0001 (the data a 0001 database holds).
    old = Store(db_url)
    ann = lock_ann(World(old))
    with old.write() as session:
        set_dnd(session, ann, [Channel.CALL], True, "tester", note="asked on the phone")
        add_agent(session, "admin", "admin", "admin")
        add_agent(session, "admin", REVIEWER, "reviewer")
    with old.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert current_revision(old.engine) == "0001"
    assert not REVIEW_TABLES & set(old.table_names())
    old.dispose()

    upgraded = Store(db_url)
    try:
        assert current_revision(upgraded.engine) == head_revision()
        assert set(upgraded.table_names()) >= REVIEW_TABLES
        with upgraded.read() as session:
            states = channel_states(session, ann.id)
            assert states[Channel.SMS].state.kind == DndKind.PERMANENT
            assert states[Channel.EMAIL].state.kind == DndKind.SPAM
            assert states[Channel.CALL].state.kind == DndKind.MANUAL
            assert verify_chain(session).entries == 3 and verify_chain(session).ok
        with upgraded.write() as session:
            review = submit_review(session, ann.id, Channel.SMS, SUBMITTER, [VIDEO], [BUSINESS])
            approve_review(session, review.id, REVIEWER)  # the reviewer added before the upgrade
        with upgraded.read() as session:
            assert not channel_states(session, ann.id)[Channel.SMS].state.dnd
            assert verify_chain(session).ok
    finally:
        upgraded.dispose()


def test_downgrade_to_0001_drops_only_the_review_tables(store: Store) -> None:
    ann = lock_ann(World(store))
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert not REVIEW_TABLES & set(store.table_names())
    assert current_revision(store.engine) == "0001"
    with store.engine.connect() as conn:  # read as a 0001 console would (today's models have later columns)
        dnd = conn.execute(
            text("SELECT dnd FROM channel_states WHERE contact_id = :cid AND channel = :ch"),
            {"cid": ann.id, "ch": Channel.SMS.value},
        ).scalar_one()
    assert dnd
    ensure_schema(store.engine)
    assert set(store.table_names()) >= REVIEW_TABLES


def test_the_review_models_match_the_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diffs if REVIEW_TABLES & set(_tables_named(d))]
    assert mine == []
    assert OptInReview.__table__.name in Base.metadata.tables


def _tables_named(diff: object) -> list[str]:
    """Table names mentioned anywhere in one compare_metadata entry (tuples of ops, tables, columns, indexes)."""
    found: list[str] = []
    items = diff if isinstance(diff, (list, tuple)) else [diff]
    for item in items:
        if isinstance(item, (list, tuple)):
            found += _tables_named(item)
        elif isinstance(item, str):
            found.append(item)
        else:
            table = getattr(item, "table", None)
            name = getattr(table, "name", None) or getattr(item, "name", None)
            if isinstance(name, str):
                found.append(name)
    return found
