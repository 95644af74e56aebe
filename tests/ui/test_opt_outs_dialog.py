"""Possible opt-outs: the contact instead of "#id", the wait and the 10-business-day deadline with overdue rows
flagged, no decision on Enter, and the count in the main window."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from console.domain.channels import Channel
from console.domain.deadlines import is_overdue
from console.domain.events import Effect, Event, now_us, to_us
from console.services.context import AppContext, Settings
from console.services.opt_outs import deadline_day, opt_out_counts, opt_out_queue
from console.store.db import Store
from console.ui.main_window import MainWindow
from console.ui.opt_outs import (
    CONTACT_COLUMN,
    DEADLINE_COLUMN,
    OVERDUE_COLOUR,
    WAITING_COLUMN,
    OptOutCount,
    PossibleOptOutsDialog,
    count_words,
)
from console.ui.taskman import TaskManager
from tests.ui.conftest import MARCH_1, People, settle


def inbound(store: Store, location_id: int, messages: list[tuple[str, int, str]]) -> None:
    from console.store.ledger import record_events

    with store.write() as session:
        record_events(session, location_id, [
            Event("twilio", f"in-{phone}-{at}", at, Channel.SMS, Effect.NONE, None, "sms.possible_opt_out",
                  address=phone, detail={"possible_opt_out": "1", "body": body})
            for phone, at, body in messages
        ], "tester")


def us(day: date, hour: int = 12) -> int:
    return to_us(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def test_the_deadline_is_ten_business_days_monday_to_friday() -> None:
    assert deadline_day(us(date(2025, 4, 14))) == date(2025, 4, 28)  # a Monday: two weeks on
    assert deadline_day(us(date(2025, 4, 18))) == date(2025, 5, 2)  # a Friday: the Friday two weeks on
    assert deadline_day(us(date(2025, 4, 19))) == date(2025, 5, 2)  # a Saturday: weekends do not count
    received = us(date(2025, 4, 14), 9)
    assert not is_overdue(received, us(date(2025, 4, 28), 23))  # the deadline day itself is in time
    assert not is_overdue(received, us(date(2025, 4, 27)))
    assert is_overdue(received, us(date(2025, 4, 29), 0))  # the next business day is late


def test_rows_name_the_contact_the_wait_and_the_deadline(qtbot, qtmodeltester, store: Store, people: People,
                                                         tasks: TaskManager, location_id: int) -> None:
    inbound(store, location_id, [("+14155550100", MARCH_1, "please stop texting me"),
                                 ("+14155550104", now_us(), "remove me"),
                                 ("+14155550999", now_us() - 1, "unsubscribe me")])
    dialog = PossibleOptOutsDialog(tasks, location_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    model = dialog.model
    qtmodeltester.check(model)
    rows = {model.index(r, 5).data(): r for r in range(model.rowCount())}
    old, new, nobody = rows["please stop texting me"], rows["remove me"], rows["unsubscribe me"]
    assert model.index(old, CONTACT_COLUMN).data() == "Ann Lee · ann@example.com"
    assert model.index(new, CONTACT_COLUMN).data() == "Eli Novak · eli@example.com"
    assert model.index(nobody, CONTACT_COLUMN).data() == "no contact has this number yet"
    assert not any("#" in str(model.index(r, CONTACT_COLUMN).data()) for r in range(3))
    assert model.index(new, WAITING_COLUMN).data() == "today"
    assert model.index(new, DEADLINE_COLUMN).data().endswith("(10 left)")
    assert model.index(old, DEADLINE_COLUMN).data() == "OVERDUE (was 15 Mar 2024)"  # 1 Mar 2024 + 10 business days
    brush = model.index(old, DEADLINE_COLUMN).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush) and brush.color().name() == OVERDUE_COLOUR
    assert model.index(new, DEADLINE_COLUMN).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "10 business days" in model.index(old, WAITING_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
    assert dialog.count.text() == "3 possible opt-outs waiting (1 overdue)"
    ctx = AppContext.with_store(store, Settings.from_env())
    assert opt_out_counts(ctx, location_id) == (3, 1)
    assert [i.overdue for i in opt_out_queue(ctx, location_id)].count(True) == 1


def test_enter_confirms_nothing(qtbot, store: Store, people: People, tasks: TaskManager, location_id: int) -> None:
    inbound(store, location_id, [("+14155550100", MARCH_1, "please stop texting me")])
    dialog = PossibleOptOutsDialog(tasks, location_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    assert dialog.selected() is not None  # the first row is preselected...
    buttons = (dialog.confirm_button, dialog.dismiss_button, dialog.close_button)
    assert not any(b.isDefault() or b.autoDefault() for b in buttons)
    with qtbot.assertNotEmitted(dialog.decided, wait=200):
        for target in (dialog.table, dialog.confirm_button, dialog.dismiss_button, dialog):
            target.setFocus()
            qtbot.keyClick(target, Qt.Key.Key_Return)
            qtbot.keyClick(target, Qt.Key.Key_Enter)
        settle(qtbot, tasks)
    assert dialog.model.rowCount() == 1  # ...but only a press of Confirm or Dismiss decides


def test_the_window_shows_the_count_and_opens_them(qtbot, window: MainWindow, store: Store,
                                                   location_id: int) -> None:
    count = window.opt_out_count
    assert isinstance(count, OptOutCount)
    inbound(store, location_id, [("+14155550100", MARCH_1, "please stop texting me"),
                                 ("+14155550104", now_us(), "remove me")])
    with qtbot.waitSignal(count.counts_changed, timeout=5000):
        window.refresh_everything()
    settle(qtbot, window.tasks)
    assert count.text() == "2 possible opt-outs waiting (1 overdue)" and count.isVisible()
    assert OVERDUE_COLOUR in count.styleSheet()
    count.click()
    dialog = window.findChild(PossibleOptOutsDialog)
    assert dialog is not None
    settle(qtbot, window.tasks)
    row = next(r for r in range(dialog.model.rowCount()) if dialog.model.items[r].overdue)
    dialog.table.selectRow(row)
    with qtbot.waitSignal(dialog.decided):
        dialog.dismiss_button.click()
    settle(qtbot, window.tasks)
    assert count.text() == "1 possible opt-out waiting" and OVERDUE_COLOUR not in count.styleSheet()
    assert count_words(0, 0) == "No possible opt-outs waiting"
