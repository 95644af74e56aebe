"""Imports and suppression exports through the services: Settings' region and workers apply, the batch is the
import's audit record, and the export neutralises formula cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from console.errors import InvalidInput
from console.services import exports, imports, reads
from console.services.context import AppContext, Settings
from console.store.changes import DND
from console.store.db import Store
from console.store.models import ImportBatch
from tests.services.conftest import Desk


def test_import_runs_one_batch_by_the_acting_agent(desk: Desk, samples: Path) -> None:
    contacts = imports.import_files(desk.ctx, [samples / "contacts.csv"])
    assert contacts.result.contacts is not None and contacts.result.contacts.created > 0
    done = imports.import_files(desk.ctx, [samples / "twilio-messages.csv"])
    summary = done.result
    assert summary.counts["applied"] > 0 and done.change.what == DND and done.change.location_id == 1
    with desk.store.read() as session:
        batch = session.get(ImportBatch, summary.batch_id)
        assert batch is not None and batch.actor == desk.me and batch.state == "done"


def test_import_uses_the_settings_region_for_national_numbers(store: Store, tmp_path: Path) -> None:
    ctx = AppContext.with_store(store, Settings(region="GB", actor="ann"))
    path = tmp_path / "people.csv"
    path.write_text("name,phone\nNia,07700 900123\n", encoding="utf-8")
    imports.import_files(ctx, [path])
    [view] = reads.status(ctx, "+447700900123")
    assert view.contact.name == "Nia"


def test_export_suppressions_is_spreadsheet_safe(desk: Desk) -> None:
    from console.services import contacts, dnd

    ann = contacts.add_contact(desk.ctx, "Ann", email="=cmd@example.com", phone="+14155550100").result
    dnd.set_dnd(desk.ctx, ann.id, None, True)
    out = io.StringIO()
    result = exports.export_suppressions(desk.ctx, "email", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert result.addresses == 1 and rows[0] == ["address", "kind", "reason", "since"]
    assert rows[1][0] == "'=cmd@example.com"
    sms = io.StringIO()
    exports.export_suppressions(desk.ctx, "sms", sms)
    assert list(csv.reader(io.StringIO(sms.getvalue())))[1][0] == "+14155550100"  # E.164 stays as it is
    with pytest.raises(InvalidInput, match="mailgun format is for email"):
        exports.export_suppressions(desk.ctx, "sms", io.StringIO(), fmt="mailgun")
