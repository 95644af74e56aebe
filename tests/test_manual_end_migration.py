"""Migration 0011 (RULES.md "Manual DND with an end"): the end's columns, as the models declare them, filled from
the ledger on upgrade."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from console.domain.channels import Channel
from console.domain.events import now_us
from console.store.actions import set_dnd
from console.store.contact_list import ContactFilter, count_contacts
from console.store.db import Store
from console.store.migrate import alembic_config, current_revision, ensure_schema, head_revision
from console.store.models import Base, Contact
from console.store.queries import channel_states
from tests.helpers import World

DAY = 86_400_000_000


def _columns(store: Store, table: str) -> set[str]:
    return {c["name"] for c in inspect(store.engine).get_columns(table)}


def test_the_end_columns_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "until" in repr(d)] == []
    assert "until_us" in _columns(store, "channel_states") and "dnd_until_us" in _columns(store, "contacts")


def test_upgrade_to_0011_fills_the_ends_from_the_ledger(store: Store) -> None:
    world = World(store)
    ann = world.contact()
    end = now_us() + 3 * DAY
    with store.write() as session:
        set_dnd(session, ann, [Channel.SMS], True, "agent-a", until_us=end)
        set_dnd(session, ann, [Channel.CALL], True, "agent-a")
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0010")
    assert current_revision(store.engine) == "0010"
    assert "until_us" not in _columns(store, "channel_states") and "dnd_until_us" not in _columns(store, "contacts")
    ensure_schema(store.engine)
    assert current_revision(store.engine) == head_revision()
    with store.read() as session:
        states = channel_states(session, ann.id)
        contact = session.get(Contact, ann.id)
        assert contact is not None and contact.dnd_until_us == end
        assert count_contacts(session, ContactFilter(location_id=1, channel=Channel.SMS)) == 1
    assert states[Channel.SMS].state.until_us == end and states[Channel.CALL].state.until_us is None
