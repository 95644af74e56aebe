"""Imports run in a process of their own (what the window does): same result, same errors, cancel works."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.errors import UserError
from console.importers.isolated import run_import_isolated
from console.importers.summary import ImportProgress
from console.store.db import Store
from tests.conftest import SAMPLES
from tests.test_import_pipeline import EVENT_FILES, EXPECTED, final_state


def test_an_isolated_import_gives_the_same_summary_and_state(sqlite_store: Store) -> None:
    seen: list[ImportProgress] = []
    summary = run_import_isolated(sqlite_store, [SAMPLES / "contacts.csv", *EVENT_FILES], location=None,
                                  actor="tester", progress=seen.append)
    data = summary.as_dict()
    assert (data["records"], data["applied"], data["no_effect"], data["unmatched"]) == (20, 14, 5, 1)
    assert final_state(sqlite_store) == EXPECTED
    assert summary.affected_contact_ids


def test_an_isolated_import_reports_user_errors_as_such(sqlite_store: Store, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"missing\.csv"):
        run_import_isolated(sqlite_store, [tmp_path / "missing.csv"], location=None, actor="tester")
    with pytest.raises(UserError, match="Nowhere"):
        run_import_isolated(sqlite_store, EVENT_FILES, location="Nowhere", actor="tester")


def test_an_isolated_import_can_be_cancelled(sqlite_store: Store) -> None:
    summary = run_import_isolated(sqlite_store, EVENT_FILES, location=None, actor="tester", should_stop=lambda: True)
    assert summary.cancelled
