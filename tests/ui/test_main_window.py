"""The window as an agent uses it: search, filters, integrations, opt-outs, drag and drop, settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QTableView, QWidget

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event
from console.store.db import Store
from console.store.ledger import record_events
from console.store.queries import channel_states
from console.ui.contact_model import CONTACT_ID_ROLE
from console.ui.crash import CrashReporter
from console.ui.main_window import MainWindow
from tests.ui.conftest import MARCH_1, People, open_window, rows_of, settle


def listed(window: MainWindow) -> list[str]:
    return [window.model.index(r, 0).data() for r in range(window.model.rowCount())]


def row_of(window: MainWindow, contact_id: int) -> int:
    return next(
        r for r in range(window.model.rowCount()) if window.model.index(r, 0).data(CONTACT_ID_ROLE) == contact_id
    )


def select(qtbot, window: MainWindow, contact_id: int) -> int:
    """Select the contact's row; its panel and history are shown once read."""
    row = row_of(window, contact_id)
    with qtbot.waitSignals([window.panel.loaded, window.history.loaded]):
        window.table.selectRow(row)
    return row


def test_every_control_has_an_accessible_name_used_as_object_name(window: MainWindow) -> None:
    controls = window.findChildren(QAbstractButton) + window.findChildren(QLineEdit) + \
        window.findChildren(QComboBox) + window.findChildren(QTableView)
    ours = [
        w
        for w in controls
        if not w.objectName().startswith("qt_") and not isinstance(w.parent(), QLineEdit | QTableView | QComboBox)
    ]  # Qt's own parts of a control
    assert len(ours) > 15
    assert [type(w).__name__ for w in ours if not w.accessibleName() or not w.objectName()] == []


def test_ctrl_f_focuses_search_and_typing_filters(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filters.search.hasFocus()
    with qtbot.waitSignal(window.model.count_changed) as blocker:
        qtbot.keyClicks(window.filters.search, "(415) 555-0102")
    assert blocker.args == [1] and listed(window) == ["Cara Diaz"]
    assert window.filters.count_label.text() == "1 contact"


def test_filters_by_status_channel_and_kind_from_the_bar(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.model.count_changed):
        window.filters.kind.setCurrentIndex(window.filters.kind.findData(DndKind.SPAM))
    assert listed(window) == ["Dev Patel"]
    with qtbot.waitSignal(window.model.count_changed):
        window.filters.kind.setCurrentIndex(0)
    with qtbot.waitSignal(window.model.count_changed):
        window.filters.channel.setCurrentIndex(window.filters.channel.findData(Channel.SMS))
    assert listed(window) == ["Cara Diaz", "Fay Ortiz"]
    with qtbot.waitSignal(window.model.count_changed):
        window.filters.status.setCurrentIndex(window.filters.status.findText("DND off"))
    assert listed(window) == []
    assert window.filters.count_label.text() == "0 contacts"


def test_selecting_a_contact_shows_it_and_its_history(qtbot, window: MainWindow, people: People) -> None:
    select(qtbot, window, people.stopped)
    assert window.panel.title.text() == "Cara Diaz"
    history = window.history.model
    assert history.rowCount() == 1
    assert history.index(0, 0).data() == "2024-03-01 10:00"
    assert history.index(0, 2).data() == "off → DND permanent"
    assert history.index(0, 5).data() == "Replied STOP"


def test_toggle_updates_the_row_badge_and_history_newest_first(qtbot, window: MainWindow, people: People) -> None:
    row = select(qtbot, window, people.clear)
    assert window.model.index(row, 3).data() == "Off"
    with qtbot.waitSignal(window.model.dataChanged):
        window.panel.rows[Channel.CALL].toggle.click()
    assert window.model.index(row, 3).data() == "Partial"
    settle(qtbot, window.tasks)
    with qtbot.waitSignal(window.model.dataChanged):
        window.panel.rows[Channel.CALL].toggle.click()
    settle(qtbot, window.tasks)
    assert [window.history.model.index(r, 2).data() for r in range(2)] == ["DND manual → off", "off → DND manual"]
    assert window.history.model.index(0, 3).data() == "tester"
    assert window.history.model.index(0, 4).data() == "Manual (agent)"


def test_disconnect_and_reconnect_update_list_and_panel(
    qtbot, window: MainWindow, people: People, store: Store
) -> None:
    select(qtbot, window, people.manual)
    dialog = window.open_integrations()
    settle(qtbot, window.tasks)
    with qtbot.waitSignal(dialog.integrations_changed):
        dialog.boxes[Channel.FACEBOOK].click()
    settle(qtbot, window.tasks)
    assert Channel.FACEBOOK not in window.model.channels and window.model.columnCount() == 9
    assert not window.panel.rows[Channel.FACEBOOK].toggle.isEnabled()
    assert window.panel.rows[Channel.FACEBOOK].toggle.isChecked()
    assert "Not connected" in window.panel.rows[Channel.FACEBOOK].state_label.text()
    with store.read() as session:
        assert channel_states(session, people.manual)[Channel.FACEBOOK].state.dnd
    with qtbot.waitSignal(dialog.integrations_changed):
        dialog.boxes[Channel.FACEBOOK].click()
    settle(qtbot, window.tasks)
    assert Channel.FACEBOOK in window.model.channels
    assert (
        window.panel.rows[Channel.FACEBOOK].toggle.isEnabled()
        and window.panel.rows[Channel.FACEBOOK].toggle.isChecked()
    )


def test_possible_opt_outs_are_confirmed_or_dismissed(qtbot, window: MainWindow, store: Store, people: People,
                                                      location_id: int) -> None:
    with store.write() as session:
        record_events(session, location_id, [
            Event("twilio", f"in{i}", MARCH_1 + i, Channel.SMS, Effect.NONE, None, "sms.possible_opt_out",
                  address=phone, detail={"possible_opt_out": "1", "body": body})
            for i, (phone, body) in enumerate([("+14155550100", "please stop texting me"),
                                               ("+14155550104", "remove me")])
        ], "tester")
    dialog = window.open_possible_opt_outs()
    settle(qtbot, window.tasks)
    assert dialog.model.rowCount() == 2
    assert dialog.model.index(0, 5).data() == "remove me"  # newest first
    with qtbot.waitSignal(dialog.decided):
        dialog.dismiss_button.click()
    settle(qtbot, window.tasks)
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 2).data() == "+14155550100"
    with qtbot.waitSignal(dialog.decided) as blocker:
        dialog.confirm_button.click()
    settle(qtbot, window.tasks)
    assert blocker.args[0] == frozenset({people.clear})
    assert dialog.model.rowCount() == 0 and dialog.empty.isVisible()
    with store.read() as session:
        sms = channel_states(session, people.clear)[Channel.SMS].state
        assert sms.dnd and sms.kind == DndKind.PERMANENT and sms.reason == "sms.opt_out_confirmed"
        assert not channel_states(session, people.manual)[Channel.SMS].state.dnd


def test_dropping_files_opens_the_import_dialog(qtbot, window: MainWindow, tmp_path: Path) -> None:
    export = tmp_path / "unsubscribes.csv"
    export.write_text("address,tag,created_at\nann@example.com,*,2024-03-01T10:00:00Z\n")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(export))])
    drop = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    dialog = window.findChild(QWidget, "import_dialog")
    assert dialog is not None and dialog.paths == [export]
    assert dialog.files.item(0, 1).text() == "mailgun-unsubscribes"
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start_button.click()
    settle(qtbot, window.tasks)
    with qtbot.waitSignal(window.model.count_changed):
        dialog.summary.open_affected.click()
    assert rows_of(qtbot, window.model) == ["Ann Lee"]
    assert window.model.index(0, 3).data() == "Partial"


def test_location_and_geometry_are_remembered(qtbot, store: Store, people: People, settings: QSettings) -> None:
    from console.store.locations import add_location

    with store.write() as session:
        add_location(session, "Second shop")
    first = open_window(qtbot, store, settings)
    with qtbot.waitSignal(first.model.count_changed):
        first.filters.location.setCurrentIndex(first.filters.location.findText("Second shop"))
    assert first.model.rowCount() == 0
    first.close()
    again = open_window(qtbot, store, settings)
    assert again.filters.location.currentText() == "Second shop"
    assert not settings.value("geometry").isEmpty()


def test_crash_dialog_shows_copyable_details(qtbot) -> None:
    crashes = CrashReporter()
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        crashes.excepthook(RuntimeError, exc, exc.__traceback__)
    assert crashes.dialog is not None
    qtbot.addWidget(crashes.dialog)
    assert "RuntimeError: boom" in crashes.dialog.details.toPlainText()
    crashes.dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert "boom" in QGuiApplication.clipboard().text()


def test_the_status_column_sorts_contacts_without_dnd_first(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.model.count_changed):
        window.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    statuses = rows_of(qtbot, window.model, 3)
    assert statuses[0] == "Off" and statuses[-1] != "Off"
    assert statuses == sorted(statuses, key=lambda s: s != "Off")
    with qtbot.waitSignal(window.model.count_changed):
        window.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert window.model.index(0, 3).data() != "Off"
