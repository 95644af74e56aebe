"""History is readable: one line per entry, the record's own file named, reason visible, newest first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.importers.pipeline import run_import
from console.store.db import Store
from console.store.history import record_file
from console.ui.history_view import HistoryModel
from console.ui.main_window import MainWindow
from tests.ui.conftest import People, settle
from tests.ui.test_contact_table import resized, shot
from tests.ui.test_main_window import select

HEAD = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
ACCOUNT = "AC" + "a" * 32


def multi_file_import(store: Store, folder: Path) -> int:
    """Three files in one batch: two Twilio exports and a Mailgun bounce list, all about Ann Lee."""
    first = folder / "twilio-april.csv"
    first.write_text(HEAD + f"+14155559000,+14155550100,Hi,undelivered,2024-04-01T10:00:00Z,2010-04-01,1,30003,"
                            f"{ACCOUNT},SM{'1' * 32},outbound-api,0,USD\n")
    second = folder / "twilio-messages.csv"
    second.write_text(HEAD + f"+14155550100,+14155559000,STOP,received,2024-04-02T10:00:00Z,2010-04-01,1,,"
                             f"{ACCOUNT},SM{'2' * 32},inbound,0,USD\n")
    bounces = folder / "mailgun-bounces.csv"
    bounces.write_text('address,code,error,created_at\nann@example.com,550,No such mailbox,'
                       '"Wed, 03 Apr 2024 10:00:01 GMT"\n')
    summary = run_import(store, [first, second, bounces], location=None, actor="tester", workers=1)
    assert summary.batch_id is not None
    return summary.batch_id


def test_history_after_a_multi_file_import_names_each_record_s_file(
        qtbot, window: MainWindow, store: Store, people: People, tmp_path: Path) -> None:
    batch = multi_file_import(store, tmp_path)
    window.refresh_everything()
    settle(qtbot, window.tasks)
    resized(qtbot, window, 1280, 800)
    window.tabs.setCurrentWidget(window.history)
    select(qtbot, window, people.clear)
    QApplication.processEvents()
    shot(window, "history_1280x800")
    model = window.history.model
    sources = [model.index(r, 4).data() for r in range(model.rowCount())]
    assert sources == [f"Mailgun import #{batch}, mailgun-bounces.csv",
                       f"Twilio import #{batch}, twilio-messages.csv",
                       f"Twilio import #{batch}, twilio-april.csv"]  # newest first, each record's own file
    tip = model.index(1, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert all(name in tip for name in ("twilio-april.csv", "twilio-messages.csv", "mailgun-bounces.csv"))
    assert [model.index(r, 0).data() for r in range(3)] == ["2024-04-03 10:00", "2024-04-02 10:00", "2024-04-01 10:00"]
    resized(qtbot, window, 1920, 1080)
    shot(window, "history_1920x1080")


def test_history_rows_are_one_line_and_the_reason_is_on_screen(
        qtbot, window: MainWindow, store: Store, people: People, tmp_path: Path) -> None:
    multi_file_import(store, tmp_path)
    window.refresh_everything()
    settle(qtbot, window.tasks)
    resized(qtbot, window, 1280, 800)
    window.tabs.setCurrentWidget(window.history)
    select(qtbot, window, people.clear)
    QApplication.processEvents()
    table = window.history.table
    line = table.fontMetrics().height()
    for row in range(window.history.model.rowCount()):
        assert table.rowHeight(row) < 2 * line, "an entry takes more than one line"
        for column in range(window.history.model.columnCount()):
            assert "\n" not in str(window.history.model.index(row, column).data())
    header = table.horizontalHeader()
    reason_left = header.sectionViewportPosition(5)
    assert reason_left + 90 <= table.viewport().width(), "the reason starts off screen"
    assert reason_left + header.sectionSize(5) <= table.viewport().width() + 1
    assert table.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert header.sectionSize(4) >= 90 and header.sectionSize(5) >= 90
    assert table.isColumnHidden(3)  # narrow: who is in the source's tooltip
    assert "by tester" in window.history.model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)
    narrow_source = header.sectionSize(4)
    resized(qtbot, window, 1920, 1080)
    # wide: the source (which file) gets the room before who, which stays in the tooltip and the detail line
    assert header.sectionSize(4) >= min(200, narrow_source + 100)
    assert header.sectionSize(2) >= 110
    assert header.sectionViewportPosition(5) + header.sectionSize(5) <= table.viewport().width() + 1


def test_record_file_uses_the_entry_ranges_then_the_provider() -> None:
    files = ('[{"name": "a.csv", "format": "twilio-csv", "events": [10, 19]},'
             ' {"name": "b.csv", "format": "twilio-csv", "events": [20, 25]},'
             ' {"name": "m.json", "format": "mailgun-events"}]')
    assert record_file(files, 21, "twilio") == "b.csv"
    assert record_file(files, 10, "twilio") == "a.csv"
    assert record_file(files, 99, "mailgun") == "m.json"  # the batch's only Mailgun file
    assert record_file(files, 99, "twilio") is None  # two Twilio files, outside both ranges: not known
    assert record_file("not json", 1, "twilio") is None


def test_history_model_passes_the_model_tester(qtmodeltester, window: MainWindow, people: People) -> None:
    model = HistoryModel()
    qtmodeltester.check(model)
