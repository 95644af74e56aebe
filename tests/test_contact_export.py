"""Exporting the filtered list (File > Export list..., ``contacts list --csv``): every match, streamed, formula-safe."""

from __future__ import annotations

import csv
import io

from console.services.contact_list import CSV_COLUMNS, contact_filter, export_contacts_csv, list_contacts
from console.services.context import AppContext, Settings
from console.store.contact_list import ContactFilter, contact_chunks, contact_page
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.locations import get_location


def fill(store: Store, count: int) -> int:
    with store.write() as session:
        location = get_location(session, None).id
        for n in range(count):
            add_contact(session, location, f"Person {n:03d}", f"p{n}@example.com", f"+1415555{n:04d}")
        add_contact(session, location, "@SUM(A1:A9)", "sum@example.com")
    return location


def test_export_writes_every_match_not_only_the_first_page(store: Store) -> None:
    location = fill(store, 250)
    ctx = AppContext(Settings(db_url=store.url), store)
    out = io.StringIO()
    written = export_contacts_csv(ctx, ContactFilter(location, search="example.com"), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert written == 251 and len(rows) == 252
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1][1] == "'@SUM(A1:A9)"  # first by name, and never run as a formula
    assert [r[1] for r in rows[2:]] == [f"Person {n:03d}" for n in range(250)]
    assert list_contacts(ctx, contact_filter(ctx, search="person"), limit=None).total == 250


def test_chunks_stream_the_same_list_as_the_pages(store: Store) -> None:
    location = fill(store, 25)
    flt = ContactFilter(location, search="555-001")  # +14155550010 to +14155550019
    with store.read() as session:
        chunks = list(contact_chunks(session, flt, chunk=4))
        assert [len(c) for c in chunks] == [4, 4, 2]
        assert [r.id for c in chunks for r in c] == [r.id for r in contact_page(session, flt, 0, 100)]
        assert sum(len(c) for c in contact_chunks(session, flt, limit=3, chunk=2)) == 3
