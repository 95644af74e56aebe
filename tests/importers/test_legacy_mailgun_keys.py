"""Databases imported before Mailgun keys named the event and recipient hold the old form (``id@seconds``): a
re-import of the same export finds its records there, so the ledger gets no repeated entries."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text

from console.importers.pipeline import run_import
from console.store import ledger
from console.store.db import Store
from console.store.tables import EVENTS

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def entries(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(EVENTS).where(EVENTS.c.source == "mailgun")) or 0)


def test_a_reimport_over_old_form_mailgun_keys_adds_no_entries(store: Store) -> None:
    files = [SAMPLES / "mailgun-webhooks.jsonl", SAMPLES / "mailgun-events-page.json"]
    run_import(store, files, location=None, actor="tester", workers=1)
    recorded = entries(store)
    assert recorded > 0
    if store.dialect == "postgresql":
        cut = "split_part(\"key\", '/', 1)"
    else:
        cut = "substr(\"key\", 1, instr(\"key\", '/') - 1)"
    with store.write() as session:  # as an older console wrote them: id@seconds, no event, no recipient
        changed = session.execute(text(
            f"UPDATE events SET \"key\" = {cut}"
            " WHERE source = 'mailgun' AND \"key\" NOT LIKE '~%' AND \"key\" LIKE '%/%'"
        )).rowcount
    assert changed > 0
    ledger._LEGACY_MAILGUN.clear()  # a console started on that older database
    again = run_import(store, files, location=None, actor="tester", workers=1)
    assert entries(store) == recorded
    counts = again.as_dict()
    assert counts["applied"] == 0 and counts["duplicates"] >= recorded
