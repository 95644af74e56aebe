"""The demo data has bulk changes: one batch still in effect and one undone, both in the contacts' history."""

from __future__ import annotations

from console.domain.channels import Channel
from console.services.demo import build_demo
from console.services.demo_bulk import add_demo_bulk
from console.store.audit import verify_chain
from console.store.bulk import batch_entries
from console.store.db import Store
from console.store.models import ImportBatch
from console.store.queries import channel_states


def test_the_demo_has_a_kept_bulk_change_and_an_undone_one(store: Store) -> None:
    build_demo(store, contacts=400, seed=7)
    with store.read() as session:
        batches = {b.id: b.files or "" for b in session.query(ImportBatch)}
        kept, wrong = sorted(i for i, f in batches.items() if '"format":"bulk"' in f)
        assert sum('"format":"undo"' in f for f in batches.values()) == 1
        kept_rows, wrong_rows = batch_entries(session, kept), batch_entries(session, wrong)
        assert len(kept_rows) >= 5 and len(wrong_rows) >= 3
        for row in kept_rows:
            assert row.contact_id is not None
            assert channel_states(session, row.contact_id)[Channel.WHATSAPP].state.dnd
        for row in wrong_rows:  # undone: back as it was (off, unless DND came from elsewhere)
            assert row.contact_id is not None
            assert not channel_states(session, row.contact_id)[Channel.FACEBOOK].state.dnd
        assert verify_chain(session).ok


def test_an_empty_database_gets_no_bulk_change(store: Store) -> None:
    assert add_demo_bulk(store) == {}
