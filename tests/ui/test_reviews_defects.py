"""The smaller defects of the review dialog and queue (issue 11): no layout shift under the pointer, ages and
moments in words, state words, a short role line, a confirmed approval whose default is Cancel, one Close, the
keyboard in notes, and the address beside the name."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox, QPushButton, QWidget

from console.domain.channels import Channel, DndKind
from console.domain.reviews import ReviewState
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import get_location
from console.store.review_queries import get_review
from console.store.reviews import needs_info_review
from console.ui.review_dialog import ReviewDialog
from console.ui.review_model import ReviewTableModel, age_words, state_words, when_iso, when_words
from console.ui.taskman import TaskManager
from tests.ui.conftest import REVIEWER, SUBMITTER, People, _event, settle, submit

MOMENT = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}\b")


@pytest.fixture
def review_id(store: Store, team: People) -> int:
    return submit(store, team.stopped)


@pytest.fixture
def opened(qtbot, tasks_as: Callable[[str], TaskManager]) -> Callable[[str, int], ReviewDialog]:
    def open_as(actor: str, review: int) -> ReviewDialog:
        dialog = ReviewDialog(tasks_as(actor), review)
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.loaded):
            dialog.show()
        QApplication.processEvents()
        return dialog

    return open_as


def at(widget: QWidget) -> QPoint:
    return widget.mapTo(widget.window(), QPoint(0, 0))


def test_live_check_lines_never_move_the_fields_below(qtbot, opened, review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    row = dialog.additions.rows[0]
    below = (row.note, dialog.new_numbers.edit, dialog.reason, dialog.approve_button)
    before = [at(w) for w in below]
    qtbot.keyClicks(row.url, "javascript:alert(1)")
    qtbot.keyClicks(dialog.new_numbers.edit, "12")
    QApplication.processEvents()
    assert row.problem.text().startswith("Refused: ") and row.problem.isVisible()
    assert "not a possible phone number" in dialog.new_numbers.check.text()
    assert [at(w) for w in below] == before
    row.url.clear()
    dialog.new_numbers.edit.clear()
    QApplication.processEvents()
    assert row.problem.text() == "" and [at(w) for w in below] == before


def test_ages_read_as_phrases_and_moments_to_the_minute(opened, review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    text = dialog.contact.text()
    assert "submitted by ana.agent just now (" in text and " ago" not in text
    assert MOMENT.search(text) and not re.search(r"\d{2}:\d{2}:\d{2}|\.\d{3,}", text)
    assert dialog.contact.toolTip().startswith("Submitted ") and "T" in dialog.contact.toolTip()
    assert MOMENT.fullmatch(when_words(1_715_090_580_123_456))  # microseconds never shown
    assert when_iso(1_715_090_580_123_456) == "2024-05-07T14:03:00.123456Z"
    assert age_words(0, 5 * 60_000_000) == "5 minutes ago"
    assert all(MOMENT.match(dialog.states.item(r).text()) for r in range(dialog.states.count()))
    assert re.fullmatch(r"ana\.agent \(\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}\): Signed the form", dialog.notes.text())
    assert "T" in dialog.notes.toolTip() and "Z)" in dialog.notes.toolTip()


def test_no_raw_state_is_shown(qtbot, opened, store: Store, review_id: int) -> None:
    with store.write() as session:
        needs_info_review(session, review_id, REVIEWER, "Which number?")
    dialog = opened(REVIEWER, review_id)
    assert dialog.title.text().endswith("Needs info")
    shown = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible()]
    shown += [b.toolTip() for b in dialog.findChildren(QPushButton)]
    assert not [t for t in shown if "needs_info" in t]
    assert "This review is needs info" in dialog.blockers.text()
    assert state_words("Review #3 is needs_info: no") == "Review #3 is needs info: no"


def test_an_agent_sees_one_short_line_not_a_wall(opened, review_id: int) -> None:
    dialog = opened("tester", review_id)
    text = dialog.blockers.text()
    assert text.startswith("You act as tester (agent): you can add evidence, relationship numbers and a note; "
                           "a reviewer or an admin approves or rejects.")
    assert len(text.splitlines()) <= 2 and "•" not in text.splitlines()[0]
    assert "only a reviewer or an admin can approve" in dialog.approve_button.toolTip()


def test_approval_asks_first_and_cancel_is_the_default(qtbot, opened, store: Store, review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    box = dialog.approval_question()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert box.textFormat() == Qt.TextFormat.PlainText and box.informativeText() == ""
    words = box.text() + box.informativeText()
    for part in ("Cara Diaz", "+14155550102", "SMS", "review #", "Replied STOP"):
        assert part in words
    box.deleteLater()
    # the real question, answered with Enter: the default is Cancel

    def press_enter() -> None:
        asked = QApplication.activeModalWidget()
        assert isinstance(asked, QMessageBox)
        qtbot.keyClick(asked, Qt.Key.Key_Return)

    QTimer.singleShot(0, press_enter)
    dialog.approve_button.click()
    settle(qtbot, dialog._tasks)
    with store.read() as session:
        assert get_review(session, review_id).state == ReviewState.PENDING

    def confirm() -> None:
        asked = QApplication.activeModalWidget()
        assert isinstance(asked, QMessageBox)
        next(b for b in asked.buttons() if b.text() == "Approve and lift DND").click()

    QTimer.singleShot(0, confirm)
    with qtbot.waitSignal(dialog.review_changed):
        dialog.approve_button.click()
    settle(qtbot, dialog._tasks)
    assert dialog.review is not None and dialog.review.state == ReviewState.APPROVED
    closers = [b for b in dialog.findChildren(QAbstractButton) if b.isVisible() and "Close" in b.text()]
    assert closers == [dialog.close_button]


def test_enter_never_decides(qtbot, opened, review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    asked: list[int] = []
    dialog.confirm_approval = lambda: asked.append(1) or False
    buttons = (dialog.approve_button, dialog.reject_button, dialog.needs_info_button, dialog.close_button)
    assert not any(b.isDefault() or b.autoDefault() for b in buttons)
    dialog.reason.setPlainText("not convincing")
    for button in buttons:
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Return)
        qtbot.keyClick(button, Qt.Key.Key_Enter)
    settle(qtbot, dialog._tasks)
    assert asked == [] and dialog.isVisible()
    assert dialog.review is not None and dialog.review.state == ReviewState.PENDING


def test_tab_in_notes_moves_on_and_ctrl_tab_types_a_tab(qtbot, opened, review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    dialog.activateWindow()
    dialog.reason.setFocus()
    qtbot.waitUntil(dialog.reason.hasFocus)
    qtbot.keyClicks(dialog.reason, "a")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.reason, "b")
    assert dialog.reason.toPlainText() == "a\tb"
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
    assert not dialog.reason.hasFocus() and dialog.reason.toPlainText() == "a\tb"


def test_two_contacts_of_the_same_name_are_told_apart(qtbot, store: Store, team: People, tasks: TaskManager,
                                                      location_id: int) -> None:
    with store.write() as session:
        loc = get_location(session, None).id
        for email in ("cara.brown@example.com", "cbrown@work.example"):
            add_contact(session, loc, "Cara Brown", email, None)
        record_events(session, loc, [_event(f"c-{e}", Channel.EMAIL, DndKind.SPAM, "email.complained", e)
                                     for e in ("cara.brown@example.com", "cbrown@work.example")], "tester")
    ids = []
    with store.read() as session:
        from console.store.models import Contact

        ids = [c.id for c in session.query(Contact).filter_by(name="Cara Brown").order_by(Contact.id)]
    for contact_id in ids:
        submit(store, contact_id, Channel.EMAIL, actor=SUBMITTER)
    model = ReviewTableModel(tasks, location_id, load=False)
    with qtbot.waitSignal(model.loaded):
        model.refresh()
    shown = sorted(model.index(r, 3).data() for r in range(model.rowCount()))
    assert shown == ["Cara Brown · cara.brown@example.com", "Cara Brown · cbrown@work.example"]
    assert "cbrown@work.example" in model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) or \
        "cbrown@work.example" in model.index(1, 3).data(Qt.ItemDataRole.ToolTipRole)


def test_the_submission_notes_move_on_with_tab_too(qtbot, tasks_as, team: People) -> None:
    from console.ui.review_submission import ReviewSubmissionDialog

    form = ReviewSubmissionDialog(tasks_as(SUBMITTER), team.stopped, Channel.SMS)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.loaded):
        form.show()
    form.activateWindow()
    form.notes.setFocus()
    qtbot.waitUntil(form.notes.hasFocus)
    qtbot.keyClick(form.notes, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert form.notes.toPlainText() == "\t"
    qtbot.keyClick(form.notes, Qt.Key.Key_Tab)
    assert not form.notes.hasFocus() and form.notes.toPlainText() == "\t"
