"""The import summary's smaller defects (issue 11): plurals, no-effect kinds in words, possible opt-outs said,
one line per file, "done" once, where the file dialog starts and what it lists, "Show affected contacts"."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from console.importers.pipeline import run_import
from console.importers.summary import ImportSummary
from console.services.context import AppContext, Settings
from console.store.db import Store
from console.ui import import_dialog as import_module
from console.ui.import_dialog import FILE_FILTER, FOLDER_KEY, ImportDialog, choose_files, start_folder
from console.ui.import_summary import ImportSummaryView, label_words
from console.ui.import_worker import import_pool
from tests.ui.test_import_dialog import EVENT_FILES, SAMPLES


@pytest.fixture
def dialog(qtbot, store: Store, settings: QSettings) -> Iterator[ImportDialog]:
    widget = ImportDialog(AppContext.with_store(store, Settings.from_env()), ["Default"], "Default", "tester",
                          settings=settings)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    import_pool().waitForDone()


def run(qtbot, dialog: ImportDialog, paths: list[Path]) -> ImportSummary:
    dialog.set_files(paths)
    with qtbot.waitSignal(dialog.imported, timeout=30_000) as blocker:
        dialog.start_button.click()
    return blocker.args[0]


def shown_texts(widget: QWidget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.isVisible() and label.text()]


def test_one_line_per_file_kinds_in_words_and_possible_opt_outs_said(qtbot, dialog: ImportDialog) -> None:
    summary = run(qtbot, dialog, [SAMPLES / "contacts.csv", *EVENT_FILES])
    view = dialog.summary
    lines = view.files.text().splitlines()
    assert len(lines) == 1 + len(EVENT_FILES)
    assert lines[0] == "• contacts.csv (contacts): 6 contact rows: 6 created"
    assert "• twilio-messages.csv (twilio-csv): 6 records: 4 DND triggers, 1 possible opt-out, " \
           "1 with no effect or already imported" in lines
    assert "• mailgun-complaints.csv (mailgun-complaints): 1 record: 1 DND trigger" in lines
    texts = shown_texts(dialog)
    assert not [t for t in texts if re.search(r"\b1 records\b|\b1 files\b|\b1 contacts\b", t)]
    assert not [t for t in texts if "failed/temporary" in t or "inbound/" in t]  # raw keys only in tooltips
    generic = view.kind_labels["failed/temporary/generic"]
    assert generic.toolTip() == "Counted as failed/temporary/generic"
    assert "Failed, temporary (generic):" in texts
    assert "Possible opt-out (an inbound message kept for an agent to decide):" in texts
    assert "No effect (not a DND trigger; includes the possible opt-outs):" in texts
    assert "1 possible opt-out waiting for an agent" in view.waiting.text() and view.waiting.isVisible()
    assert summary.as_dict()["possible_opt_outs"] == 1
    assert view.headline.text() == f"Import done: {1 + len(EVENT_FILES)} files, 20 event records and 6 contact rows"


def test_done_is_said_once(qtbot, dialog: ImportDialog) -> None:
    run(qtbot, dialog, [SAMPLES / "mailgun-complaints.csv"])
    said = [t for t in shown_texts(dialog) if "done" in t.lower()]
    assert said == ["Import done: 1 file, 1 event record"]
    assert not dialog.progress.isVisible()


def test_held_opt_ins_are_said(qtbot) -> None:
    view = ImportSummaryView()
    qtbot.addWidget(view)
    view.show()
    summary = ImportSummary(files=[{"path": "/x/twilio.csv", "format": "twilio-csv", "records": 3}],
                            counts=Counter(applied=3), held_opt_ins=2)
    view.show_summary(summary, frozenset({1}))
    assert view.waiting.text() == "2 opt-ins held for a reviewer (see the Reviews tab)"
    assert view.open_affected.text() == "Show the 1 contact this import changed"
    summary.held_opt_ins = 1
    view.show_summary(summary, frozenset())
    assert view.waiting.text().startswith("1 opt-in held for a reviewer")
    assert not view.open_affected.isEnabled()


def test_label_words() -> None:
    assert label_words("failed/temporary/generic") == "Failed, temporary (generic)"
    assert label_words("undelivered/30008") == "Undelivered (error 30008)"
    assert label_words("delivered") == "Delivered"


def test_the_file_dialog_starts_in_downloads_or_the_last_folder_and_lists_gz(
    qtbot, dialog: ImportDialog, settings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for pattern in ("*.csv", "*.json", "*.jsonl", "*.ndjson", "*.log", "*.txt", "*.gz", "All files (*)"):
        assert pattern in FILE_FILTER
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    asked: list[str] = []
    export = tmp_path / "exports" / "bounces.csv.gz"
    export.parent.mkdir()
    export.write_bytes(b"")

    def fake(_parent: object, _title: str, folder: str, _filter: str) -> tuple[list[str], str]:
        asked.append(folder)
        return [str(export)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(fake))
    assert start_folder(settings) == home / "Downloads"
    monkeypatch.setattr(import_module, "describe_format", lambda p: ("mailgun-bounces", "mailgun-bounces"))
    dialog.add_button.click()
    assert asked == [str(home / "Downloads")] and dialog.paths == [export]
    assert settings.value(FOLDER_KEY) == str(export.parent)
    dialog.add_button.click()
    assert asked[-1] == str(export.parent)
    assert choose_files(None, export.parent) == [export]


def test_show_affected_closes_the_dialog_first_and_counts_updated_contacts(
    qtbot, dialog: ImportDialog, store: Store, tmp_path: Path
) -> None:
    run_import(store, [SAMPLES / "contacts.csv"], location=None, actor="tester")
    renamed = tmp_path / "contacts.csv"
    renamed.write_text((SAMPLES / "contacts.csv").read_text().replace("Ann,Lee", "Annie,Lee"))
    summary = run(qtbot, dialog, [renamed, SAMPLES / "mailgun-complaints.csv"])
    assert summary.contacts is not None and summary.contacts.updated == 1
    view = dialog.summary
    assert view.open_affected.text() == "Show the 2 contacts this import changed"  # Ann renamed, one complaint
    seen: list[bool] = []
    view.show_contacts.connect(lambda ids, _label: seen.append(dialog.isVisible()))
    with qtbot.waitSignal(view.show_contacts) as opened:
        view.open_affected.click()
    assert seen == [False] and len(opened.args[0]) == 2
