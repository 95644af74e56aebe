"""History's "State on ..." picker: each channel at a past moment, the entries it rests on, and back to now."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.domain.channels import CHANNEL_ORDER
from console.domain.events import to_us
from console.store.db import Store
from console.ui.history_at import HistoryAt
from console.ui.main_window import MainWindow
from tests.ui.conftest import MARCH_1, People, settle
from tests.ui.test_contact_table import resized, shot
from tests.ui.test_main_window import select


def at(text: str) -> int:
    return to_us(datetime.fromisoformat(text).replace(tzinfo=UTC))


def show_state(qtbot, picker: HistoryAt, when: str, known_now: bool) -> None:
    picker.set_moment(at(when))
    picker.known_now.setChecked(known_now)
    with qtbot.waitSignal(picker.shown, timeout=5000):
        qtbot.mouseClick(picker.show_button, Qt.MouseButton.LeftButton)


def column(picker: HistoryAt, n: int) -> list[str]:
    return [str(picker.model.index(r, n).data()) for r in range(picker.model.rowCount())]


def test_did_we_text_them_after_they_said_stop_takes_one_step(
        qtbot, qtmodeltester, window: MainWindow, people: People) -> None:
    window.tabs.setCurrentWidget(window.history)
    select(qtbot, window, people.stopped)
    picker = window.history.at
    assert picker.view.isHidden() and not picker.now_button.isEnabled()
    show_state(qtbot, picker, "2024-03-05 12:00:00", known_now=True)
    qtmodeltester.check(picker.model)
    assert column(picker, 0) == [c.label for c in CHANNEL_ORDER]
    sms = CHANNEL_ORDER.index(next(c for c in CHANNEL_ORDER if c.value == "sms"))
    assert column(picker, 1)[sms] == "No: DND permanent, Replied STOP on 1 Mar 2024"
    stop = next(e for e in window.history.model.rows if e.event.reason == "sms.opt_out_keyword")
    assert column(picker, 2)[sms] == f"#{stop.event_id}, 2024-03-01"
    tip = picker.model.index(sms, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert "twilio" in tip and "Replied STOP" in tip
    assert column(picker, 1)[0] == "Yes: not DND" and column(picker, 2)[0] == "none: never DND"
    assert "State on 2024-03-05 12:00:00 UTC, as known now: status partial" in picker.title.text()
    window.history.table.clearSelection()
    picker.view.clicked.emit(picker.model.index(sms, 0))  # the entry it rests on, selected in the history below
    chosen = window.history.table.selectionModel().selectedRows()
    assert [window.history.model.rows[i.row()].event_id for i in chosen] == [stop.event_id]


def test_before_the_stop_the_channel_was_open_and_back_to_now_hides_the_past(
        qtbot, window: MainWindow, people: People) -> None:
    window.tabs.setCurrentWidget(window.history)
    select(qtbot, window, people.stopped)
    picker = window.history.at
    show_state(qtbot, picker, "2024-02-29 09:00:00", known_now=True)
    assert set(column(picker, 1)) == {"Yes: not DND"}
    qtbot.mouseClick(picker.now_button, Qt.MouseButton.LeftButton)
    assert picker.view.isHidden() and picker.then is None and not picker.now_button.isEnabled()
    assert abs(picker.at_us() - to_us(datetime.now(UTC))) < 120_000_000  # the moment is now again


def test_what_the_console_said_then_leaves_out_what_was_recorded_later(
        qtbot, window: MainWindow, people: People) -> None:
    """The fixture's STOP happened on 1 March but was recorded today: on 5 March the console did not know it."""
    window.tabs.setCurrentWidget(window.history)
    select(qtbot, window, people.stopped)
    picker = window.history.at
    show_state(qtbot, picker, "2024-03-05 12:00:00", known_now=False)
    assert set(column(picker, 1)) == {"Yes: not DND"}
    assert "as the console knew it then" in picker.title.text()


def test_another_contact_goes_back_to_now_and_no_contact_disables_the_picker(
        qtbot, window: MainWindow, people: People) -> None:
    window.tabs.setCurrentWidget(window.history)
    select(qtbot, window, people.stopped)
    picker = window.history.at
    show_state(qtbot, picker, "2024-03-05 12:00:00", known_now=True)
    select(qtbot, window, people.clear)
    assert picker.then is None and picker.view.isHidden()
    window.history.show_contact(None)
    assert not picker.show_button.isEnabled() and not picker.report_button.isEnabled()


def test_the_picker_with_a_past_state_fits_at_both_sizes(
        qtbot, window: MainWindow, store: Store, people: People) -> None:
    window.tabs.setCurrentWidget(window.history)
    select(qtbot, window, people.stopped)
    picker = window.history.at
    show_state(qtbot, picker, "2024-03-05 12:00:00", known_now=True)
    assert picker.at_us() > MARCH_1
    for width, height in ((1280, 800), (1920, 1080)):
        resized(qtbot, window, width, height)
        QApplication.processEvents()
        settle(qtbot, window.tasks)
        shot(window, f"history_at_{width}x{height}")
        history = window.history
        for widget in (picker.moment, picker.show_button, picker.now_button, picker.report_button):
            right = widget.mapTo(history, widget.rect().topRight()).x()
            assert right <= history.width(), f"{widget.objectName()} is cut off at {width}x{height}"
        assert picker.view.height() >= 6 * picker.view.rowHeight(0)  # all six channels, no scrolling
        assert history.table.height() > 3 * history.table.rowHeight(0)  # the history keeps room
        assert picker.height() < history.height() // 2
        header = picker.view.horizontalHeader()
        assert header.sectionViewportPosition(2) + header.sectionSize(2) <= picker.view.viewport().width() + 1
        assert header.sectionSize(1) >= 200  # the state then is readable
