"""Bulk changes in the window: multi-select, the dialog's preview before anything is written, one batch, Undo in
the message bar and in History."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event
from console.store.contact_search import insert_contacts
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import get_location
from console.store.models import ImportBatch
from console.store.queries import channel_states
from console.ui.bulk_dialog import BulkDialog, refusal_words
from console.ui.crash import CrashReporter
from console.ui.main_window import MainWindow
from tests.ui.conftest import MARCH_1, OFFSCREEN_NOISE, People, open_window, settle
from tests.ui.test_contact_table import resized, shot
from tests.ui.test_main_window import select as select_contact


def batches(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(ImportBatch)) or 0)


def state(store: Store, contact_id: int, channel: Channel):
    with store.read() as session:
        return channel_states(session, contact_id)[channel].state


def choose(dialog: BulkDialog, channels: list[Channel], turn_on: bool, note: str) -> None:
    for channel in channels:
        dialog.channel_boxes[channel].setChecked(True)
    (dialog.turn_on if turn_on else dialog.turn_off).setChecked(True)
    dialog.note.setText(note)


def preview(qtbot, dialog: BulkDialog) -> None:
    with qtbot.waitSignal(dialog._tasks.idle, timeout=10_000):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.preview is not None


def select_all(qtbot, window: MainWindow) -> None:
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_a_then_a_preview_counts_changes_and_groups_refusals_before_anything_is_written(
        qtbot, window: MainWindow, store: Store, people: People) -> None:
    select_all(qtbot, window)
    dialog = window.insight.open_for_selected()
    assert dialog is not None and "all 6 contacts" in dialog.heading.text()
    qtbot.addWidget(dialog)
    choose(dialog, [Channel.SMS], False, "cleanup after the carrier fixed the route")
    assert not dialog.apply_button.isEnabled() and not dialog.apply_button.isDefault()
    assert dialog.cancel_button.isDefault()
    preview(qtbot, dialog)
    assert batches(store) == 0  # a preview writes nothing
    assert dialog.summary.text().startswith("6 contacts: 1 will change (DND off), 1 refused on some channel")
    groups = [(dialog.refused.item(r, 0).text(), dialog.refused.item(r, 1).text(), dialog.refused.item(r, 2).text())
              for r in range(dialog.refused.rowCount())]
    assert groups == [("SMS", refusal_words("locked: sms.opt_out_keyword"), "1")]
    assert "Replied STOP" in groups[0][1] and "never lifted" in groups[0][1]
    assert [dialog.per_channel.item(0, c).text() for c in range(4)] == ["SMS", "1", "4", "1"]
    assert dialog.apply_button.isEnabled() and dialog.apply_button.text() == "&Apply to 1 contact"
    with qtbot.waitSignal(dialog.applied, timeout=10_000) as applied:
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window.tasks)
    batch = applied.args[0].result.batch
    assert batches(store) == 1
    assert not state(store, people.texting, Channel.SMS).dnd  # the temporary SMS DND was lifted
    assert state(store, people.stopped, Channel.SMS).kind == DndKind.PERMANENT  # the lock stays
    assert window.messages.text.startswith(f"Changed 1 contact (batch #{batch}); 1 refused on some channel")
    assert window.messages.retry_button.isVisible() and window.messages.retry_button.text() == "Undo"
    qtbot.mouseClick(window.messages.retry_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window.tasks)
    assert state(store, people.texting, Channel.SMS).kind == DndKind.TEMPORARY  # undone: as it was
    assert window.messages.text == f"Undid batch #{batch}: 1 channels reverted (batch #{batch + 1})."


def test_enter_never_applies_before_the_preview_and_changing_a_choice_needs_a_new_one(
        qtbot, window: MainWindow, store: Store, people: People) -> None:
    dialog = window.insight.open_for_all()
    assert dialog is not None and dialog.heading.text() == "Change DND for all 6 contacts matching the filter"
    qtbot.addWidget(dialog)
    choose(dialog, [Channel.EMAIL], True, "")
    assert not dialog.preview_button.isEnabled() and "note is required" in dialog.hint.text()
    dialog.note.setFocus()
    qtbot.keyClicks(dialog.note, "newsletter paused")
    with qtbot.waitSignal(dialog._tasks.idle, timeout=10_000):
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)  # Enter in the note previews: it neither applies nor closes
    assert dialog.isVisible() and dialog.preview is not None and batches(store) == 0
    assert dialog.summary.text().startswith("6 contacts: 4 will change (DND on)")
    dialog.channel_boxes[Channel.SMS].setChecked(True)  # a new choice: the preview shown no longer applies
    assert dialog.preview is None and not dialog.apply_button.isEnabled() and dialog.cancel_button.isDefault()
    assert "preview again" in dialog.summary.text()
    dialog.channel_boxes[Channel.EMAIL].setFocus()
    qtbot.keyClick(dialog.channel_boxes[Channel.EMAIL], Qt.Key.Key_Return)  # the default, Cancel
    assert not dialog.isVisible() and batches(store) == 0


def test_shift_and_ctrl_click_select_rows_and_name_them_in_the_dialog(
        qtbot, window: MainWindow, store: Store, people: People) -> None:
    table = window.table

    def click(row: int, keys: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        rect = table.visualRect(window.model.index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, keys, rect.center())

    click(0)
    click(2, Qt.KeyboardModifier.ShiftModifier)
    click(4, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window.tasks)
    target = window.insight.selected_target()
    assert target is not None and target.words == "4 selected contacts" and target.rows == ((0, 2), (4, 4))
    wanted = {window.model.contact_id(r) for r in (0, 1, 2, 4)}
    dialog = window.insight.open_dialog(target)
    qtbot.addWidget(dialog)
    choose(dialog, [Channel.WHATSAPP], True, "asked by phone")
    preview(qtbot, dialog)
    assert set(dialog.ids) == wanted and dialog.summary.text().startswith("4 contacts: 4 will change")
    with qtbot.waitSignal(dialog.applied, timeout=10_000):
        dialog.apply_button.click()
    settle(qtbot, window.tasks)
    assert {c for c in wanted if state(store, c, Channel.WHATSAPP).dnd} == wanted
    assert not state(store, window.model.contact_id(3) or 0, Channel.WHATSAPP).dnd


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support raise\(\)", r"does not support grabbing")  # menus
def test_the_context_menu_keeps_the_selection_and_offers_the_bulk_change(
        qtbot, window: MainWindow, people: People) -> None:
    select_all(qtbot, window)
    rect = window.table.visualRect(window.model.index(1, 0))
    window._context_menu(rect.center())
    menu = window.context_menu
    assert menu is not None
    names = [a.objectName() for a in menu.actions()]
    assert {"bulk_selected_action", "bulk_all_action", "menu_report"} <= set(names)
    assert len(window.table.selectionModel().selectedRows()) == 6  # the right-click kept all six
    menu.close()


def test_history_names_the_batch_and_undoes_it_after_asking(
        qtbot, window: MainWindow, store: Store, people: People) -> None:
    select_all(qtbot, window)
    dialog = window.insight.open_for_selected()
    assert dialog is not None
    qtbot.addWidget(dialog)
    choose(dialog, [Channel.FACEBOOK], True, "paused during the dispute")
    preview(qtbot, dialog)
    with qtbot.waitSignal(dialog.applied, timeout=10_000) as applied:
        dialog.apply_button.click()
    settle(qtbot, window.tasks)
    batch = applied.args[0].result.batch
    window.tabs.setCurrentWidget(window.history)
    select_contact(qtbot, window, people.texting)
    history = window.history
    assert history.model.index(0, 4).data() == f"Bulk change #{batch}"
    assert "paused during the dispute" in history.model.index(0, 5).data()
    history.table.selectRow(0)
    bar = history.batch_bar
    assert bar.isVisible() and bar.undo_button.text() == f"Undo bulk change #{batch}..."
    resized(qtbot, window, 1280, 800)
    shot(window, "history_batch_1280x800")
    right = bar.undo_button.mapTo(history, bar.undo_button.rect().topRight()).x()
    assert right <= history.width() and bar.words.text() == f"Bulk change #{batch}: paused during the dispute"
    asked: list[int] = []
    window.insight.confirm = lambda _parent, b: asked.append(b) is None and False  # the agent says no first
    bar.undo_button.click()
    settle(qtbot, window.tasks)
    assert asked == [batch] and state(store, people.clear, Channel.FACEBOOK).dnd
    window.insight.confirm = lambda _parent, b: True
    settle(qtbot, window.tasks)
    history.table.selectRow(0)  # the change feed may have read History again meanwhile (selection reset)
    assert bar.isVisible()
    bar.undo_button.click()
    settle(qtbot, window.tasks)
    assert not state(store, people.clear, Channel.FACEBOOK).dnd
    assert state(store, people.manual, Channel.FACEBOOK).dnd  # it was DND before the batch: left as it was
    assert window.messages.text.startswith(f"Undid batch #{batch}")
    select_contact(qtbot, window, people.bounced)
    select_contact(qtbot, window, people.texting)
    assert history.model.index(0, 4).data() == f"Undo of batch #{batch} (batch #{batch + 1})"
    history.table.selectRow(0)
    assert not bar.isVisible()  # an undo is not offered for undoing again


def test_the_dialog_with_its_preview_fits_at_both_sizes(qtbot, window: MainWindow, people: People) -> None:
    select_all(qtbot, window)
    dialog = window.insight.open_for_selected()
    assert dialog is not None
    qtbot.addWidget(dialog)
    choose(dialog, [Channel.EMAIL, Channel.SMS], False, "cleaning the list before the campaign")
    preview(qtbot, dialog)
    for width, height in ((1280, 800), (1920, 1080)):
        resized(qtbot, window, width, height)
        QApplication.processEvents()
        shot(window, f"bulk_window_{width}x{height}")
        shot(dialog, f"bulk_dialog_{width}x{height}")
        assert dialog.height() <= height and dialog.width() <= width
        assert dialog.refused.rowCount() >= 2 and dialog.refused.columnWidth(1) >= 250  # reasons readable
        buttons = dialog.findChild(QDialogButtonBox, "bulk_buttons")
        assert buttons is not None and buttons.geometry().bottom() <= dialog.height()
    for width, height in ((1280, 800), (1920, 1080)):  # the dialog itself maximised on such a screen
        dialog.resize(width, height)
        QApplication.processEvents()
        shot(dialog, f"bulk_dialog_max_{width}x{height}")
        assert dialog.summary.width() > 600 and dialog.apply_button.isVisible()


def many_contacts(store: Store, n: int) -> None:
    with store.write() as session:
        loc = get_location(session, None).id
        insert_contacts(session, [dict(id=i, location_id=loc, name=f"Person {i:05d}", email=f"p{i}@example.com",
                                       phone=f"+1415{i:07d}", external_id=None, created_at_us=0, updated_at_us=0,
                                       dnd_mask=0) for i in range(1, n + 1)])
        record_events(session, loc, [
            Event(source="twilio", key=f"s{i}", at_us=MARCH_1, channel=Channel.SMS, effect=Effect.SET,
                  kind=DndKind.PERMANENT, reason="sms.opt_out_keyword", address=f"+1415{i:07d}",
                  detail={"keyword": "STOP"}) for i in range(1, 51)], "tester")


def test_ten_thousand_selected_contacts_preview_and_apply_in_the_window(
        qtbot, store: Store, settings: QSettings, crashes: CrashReporter, tmp_path: Path) -> None:
    many_contacts(store, 10_000)
    window = open_window(qtbot, store, settings, crashes)
    try:
        assert window.model.rowCount() == 10_000
        select_all(qtbot, window)
        dialog = window.insight.open_for_selected()
        assert dialog is not None
        qtbot.addWidget(dialog)
        choose(dialog, [Channel.SMS, Channel.EMAIL], True, "paused for the audit")
        started = time.perf_counter()
        preview(qtbot, dialog)
        previewed = time.perf_counter() - started
        assert dialog.summary.text().startswith("10,000 contacts: 10,000 will change (DND on)")
        started = time.perf_counter()
        with qtbot.waitSignal(dialog.applied, timeout=60_000) as applied:
            dialog.apply_button.click()
        settle(qtbot, window.tasks, 30_000)
        applied_s = time.perf_counter() - started
        print(f"\n10,000 contacts in the window: preview {previewed:.2f} s, apply {applied_s:.2f} s")
        assert len(applied.args[0].change.contact_ids) == 10_000
        assert window.messages.text.startswith(f"Changed 10,000 contacts (batch #{applied.args[0].result.batch})")
        assert previewed + applied_s < 60
        assert state(store, 10_000, Channel.EMAIL).dnd and state(store, 1, Channel.SMS).kind == DndKind.PERMANENT
    finally:
        window.close()


