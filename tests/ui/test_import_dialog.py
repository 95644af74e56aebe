"""Importing through the dialog: formats shown, work on the background worker, summary, cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.importers.pipeline import run_import
from console.importers.summary import ImportProgress
from console.services.context import AppContext, Settings
from console.store.db import Store
from console.ui.import_dialog import ImportDialog
from console.ui.import_worker import import_pool

SAMPLES = next(
    p for p in (Path(__file__).resolve().parents[1] / "data" / "samples", Path("/work/shared/samples"))
    if (p / "contacts.csv").exists()
)
EVENT_FILES = sorted(
    p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".json", ".jsonl") and p.name != "contacts.csv"
)


@pytest.fixture
def dialog(qtbot, store: Store) -> Iterator[ImportDialog]:
    widget = ImportDialog(AppContext.with_store(store, Settings.from_env()), ["Default"], "Default", "tester")
    qtbot.addWidget(widget)
    yield widget
    import_pool().waitForDone()


def test_files_show_their_detected_format(dialog: ImportDialog, tmp_path: Path) -> None:
    dialog.choose_files = lambda _parent: [SAMPLES / "contacts.csv", SAMPLES / "twilio-messages.csv"]
    dialog.add_button.click()
    assert [dialog.files.item(r, 1).text() for r in range(2)] == ["contacts", "twilio-csv"]
    assert dialog.start_button.isEnabled()
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\nworld\n")
    dialog.add_files([junk])
    assert not dialog.start_button.isEnabled()
    assert "notes.txt" in dialog.problem.text()


def test_import_of_the_samples_reports_the_summary(qtbot, dialog: ImportDialog) -> None:
    dialog.set_files([SAMPLES / "contacts.csv", *EVENT_FILES])
    with qtbot.waitSignal(dialog.imported, timeout=30_000) as blocker:
        dialog.start_button.click()
    summary = blocker.args[0].as_dict()
    assert summary["unmatched"] >= 1 and summary["applied"] > 0
    assert summary["contacts"]["created"] == 6
    shown = dialog.summary.values
    assert shown["applied"].text() == str(summary["applied"])
    assert shown["no_effect"].text() == str(summary["no_effect"])
    assert shown["possible_opt_outs"].text() == "1"
    assert dialog.summary.rejects.rowCount() == len(summary["rejects"])
    for row, reject in enumerate(summary["rejects"]):
        assert dialog.summary.rejects.item(row, 1).text() == str(reject["line"])
    assert dialog.summary.isVisible() or not dialog.isVisible()
    with qtbot.waitSignal(dialog.summary.show_contacts) as opened:
        dialog.summary.open_affected.click()
    assert len(opened.args[0]) >= 4


def test_rejected_records_are_listed_with_file_and_line(qtbot, dialog: ImportDialog, tmp_path: Path) -> None:
    bad = tmp_path / "bounces.csv"
    bad.write_text("address,code,error,created_at\nnot-an-address,550,bounced,2024-03-01T10:00:00Z\n")
    dialog.set_files([bad])
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start_button.click()
    assert dialog.summary.values["rejected"].text() == "1"
    assert dialog.summary.rejects.item(0, 0).text() == "bounces.csv"
    assert dialog.summary.rejects.item(0, 1).text() == "2"


def test_cancel_mid_import_stops_and_keeps_what_was_committed(qtbot, store: Store, tmp_path: Path) -> None:
    big = tmp_path / "unsubscribes.csv"
    big.write_text("address,tag,created_at\n" + "".join(
        f"user{i}@example.com,*,2024-03-01T10:00:00Z\n" for i in range(20_000)))
    first_chunk = threading.Event()
    release = threading.Event()

    def slow_runner(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def gated(p: ImportProgress) -> None:
            progress(p)
            if not first_chunk.is_set():
                first_chunk.set()
                release.wait(30)  # hold the worker after its first committed chunk until the test cancels

        return run_import(*args, progress=gated, chunk_records=1_000, **kwargs)

    dialog = ImportDialog(AppContext.with_store(store), ["Default"], "Default", "tester", runner=slow_runner)
    qtbot.addWidget(dialog)
    dialog.set_files([big])
    try:
        dialog.start_button.click()
        qtbot.waitUntil(first_chunk.is_set, timeout=30_000)
        assert dialog.job is not None
        with qtbot.waitSignal(dialog.imported, timeout=30_000) as blocker:
            dialog.cancel_button.click()
            release.set()
    finally:
        release.set()
    summary = blocker.args[0]
    assert summary.cancelled
    assert 0 < summary.as_dict()["records"] < 20_000
    assert "cancelled" in dialog.summary.headline.text()
    import_pool().waitForDone()


def test_an_unreadable_file_is_a_message_not_a_crash(qtbot, dialog: ImportDialog, tmp_path: Path) -> None:
    gone = tmp_path / "gone.csv"
    gone.write_text("address,tag,created_at\na@b.co,*,2024-03-01T10:00:00Z\n")
    dialog.set_files([gone])
    gone.unlink()
    with qtbot.assertNotEmitted(dialog.crashed):
        dialog.start_button.click()
        qtbot.waitUntil(lambda: dialog.job is None, timeout=30_000)
    assert "gone.csv" in dialog.problem.text()


def test_closing_the_window_cancels_a_running_import(qtbot, window: Any, tmp_path: Path) -> None:
    big = tmp_path / "unsubscribes.csv"
    big.write_text("address,tag,created_at\n" + "".join(
        f"user{i}@example.com,*,2024-03-01T10:00:00Z\n" for i in range(20_000)))
    started = threading.Event()

    def slow_runner(*args: Any, progress: Any, should_stop: Any, **kwargs: Any) -> Any:
        def gated(p: ImportProgress) -> None:
            progress(p)
            started.set()
            while not should_stop():  # an import that would run until the window stops it
                time.sleep(0.01)

        return run_import(*args, progress=gated, should_stop=should_stop, chunk_records=1_000, **kwargs)

    window.open_import_dialog([big])
    dialog = window.findChild(ImportDialog)
    dialog._runner = slow_runner
    dialog.start_button.click()
    qtbot.waitUntil(started.is_set, timeout=30_000)
    window.close()
    assert import_pool().waitForDone(30_000)
    assert dialog.job is None or dialog.job.cancelled
