"""The Reviews tab: the queue model (pending first, pages, ages), the count badge, opening a review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtCore import QSettings, Qt

import console.ui.review_model as review_model
from console.domain.channels import Channel
from console.domain.reviews import ReviewState
from console.store.db import Store
from console.store.reviews import approve_review, needs_info_review
from console.ui.contact_model import CONTACT_ID_ROLE
from console.ui.crash import CrashReporter
from console.ui.main_window import MainWindow
from console.ui.review_model import REVIEW_ID_ROLE, ReviewTableModel, age_words
from console.ui.reviews_tab import ReviewsView, tab_title
from console.ui.taskman import TaskManager
from tests.ui.conftest import REVIEWER, People, open_window, settle, submit

HOUR = 3_600_000_000


@pytest.fixture
def queue(store: Store, team: People) -> dict[str, int]:
    """Four reviews, submitted in this order: approved, pending, needs info, pending."""
    approved = submit(store, team.stopped)
    with store.write() as session:
        approve_review(session, approved, REVIEWER)
    pending = submit(store, team.spammer, Channel.EMAIL)
    asked = submit(store, team.texting)
    with store.write() as session:
        needs_info_review(session, asked, REVIEWER, "Which number did she text?")
    newest = submit(store, team.bounced, Channel.EMAIL)
    return {"approved": approved, "pending": pending, "needs_info": asked, "newest": newest}


@pytest.fixture
def window(
    qtbot, store: Store, team: People, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    monkeypatch.setenv("DND_CONSOLE_ACTOR", REVIEWER)
    crashes = CrashReporter()
    win = open_window(qtbot, store, settings, crashes)
    yield win
    win.close()
    assert crashes.shown == []


def ids(model: ReviewTableModel) -> list[int]:
    return [model.index(r, 0).data(REVIEW_ID_ROLE) for r in range(model.rowCount())]


def loaded(qtbot, tasks: TaskManager, location_id: int) -> ReviewTableModel:
    model = ReviewTableModel(tasks, location_id, load=False)
    with qtbot.waitSignal(model.loaded):
        model.refresh()
    return model


def test_model_passes_the_qt_model_tester(qtbot, qtmodeltester, tasks: TaskManager, queue: dict[str, int],
                                          location_id: int) -> None:
    model = loaded(qtbot, tasks, location_id)
    qtmodeltester.check(model)
    assert model.rowCount() == 4 and model.columnCount() == 7


def test_pending_first_then_needs_info_then_decided(qtbot, tasks: TaskManager, queue: dict[str, int],
                                                     location_id: int) -> None:
    model = loaded(qtbot, tasks, location_id)
    assert ids(model) == [queue["newest"], queue["pending"], queue["needs_info"], queue["approved"]]
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row == [f"#{queue['newest']}", "Pending", "just now", "Bo Chen · bo@example.com", "Email", "ana.agent", ""]
    assert model.index(2, 1).data() == "Needs info"
    assert model.index(2, 1).data(Qt.ItemDataRole.ToolTipRole) == "Needs info: Which number did she text?"
    assert model.index(3, 6).data() == REVIEWER
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert model.pending_count == 2


def test_the_state_filter_and_the_pages(
    qtbot, qtmodeltester, tasks: TaskManager, queue: dict[str, int], location_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(review_model, "PAGE_SIZE", 2)
    model = loaded(qtbot, tasks, location_id)
    assert model.rowCount() == 2 and model.canFetchMore()
    with qtbot.waitSignal(model.rowsInserted):
        model.fetchMore()
    assert ids(model) == [queue["newest"], queue["pending"], queue["needs_info"], queue["approved"]]
    assert not model.canFetchMore()
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.loaded):
        model.set_state(ReviewState.NEEDS_INFO)
    assert ids(model) == [queue["needs_info"]]


@pytest.mark.parametrize(
    ("elapsed_us", "words"),
    [(0, "just now"), (59_000_000, "just now"), (60_000_000, "1 minute ago"), (12 * 60_000_000, "12 minutes ago"),
     (HOUR, "1 hour ago"), (3 * HOUR + 5, "3 hours ago"), (23 * HOUR, "23 hours ago"), (25 * HOUR, "1 day ago"),
     (49 * HOUR, "2 days ago"), (-HOUR, "just now")],
)
def test_age_in_one_unit_as_a_phrase(elapsed_us: int, words: str) -> None:
    assert age_words(1_000_000_000_000, 1_000_000_000_000 + elapsed_us) == words


def test_the_tab_title_carries_the_pending_count(qtbot, window: MainWindow, store: Store,
                                                  queue: dict[str, int]) -> None:
    assert tab_title(0) == "Reviews" and tab_title(3) == "Reviews (3)"
    tabs = window.main_tabs
    with qtbot.waitSignal(window.reviews.model.loaded):
        window.reviews.refresh()
    assert tabs.tabText(tabs.indexOf(window.reviews)) == "Reviews (2)"
    with store.write() as session:
        approve_review(session, queue["pending"], REVIEWER)
    with qtbot.waitSignal(window.reviews.model.loaded):
        tabs.setCurrentWidget(window.reviews)  # showing the queue reloads it
    assert tabs.tabText(tabs.indexOf(window.reviews)) == "Reviews (1)"
    assert window.reviews.summary.text() == "1 review waiting for a reviewer"
    assert not window.filters.search.isEnabled()
    tabs.setCurrentWidget(window.splitter)
    assert window.filters.search.isEnabled()


def test_double_click_or_the_button_opens_the_review(
    qtbot, tasks: TaskManager, queue: dict[str, int], location_id: int
) -> None:
    view = ReviewsView(tasks, location_id)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.model.loaded):
        view.show()
    assert not view.open_button.isEnabled() and "Select a review" in view.open_button.toolTip()
    view.table.selectRow(1)
    with qtbot.waitSignal(view.open_requested) as opened:
        view.open_button.click()
    assert opened.args == [queue["pending"]]
    with qtbot.waitSignal(view.open_requested) as opened:
        view.table.doubleClicked.emit(view.model.index(2, 3))
    assert opened.args == [queue["needs_info"]]


def test_window_opens_one_dialog_per_review(qtbot, window: MainWindow, queue: dict[str, int]) -> None:
    window.reviews.refresh()
    with_signal = window.reviews.open_requested
    with_signal.emit(queue["pending"])
    dialog = window.review_dialogs[queue["pending"]]
    settle(qtbot, window.tasks)
    assert dialog.isVisible() and dialog.review is not None and dialog.review.id == queue["pending"]
    dialog.close_button.click()
    assert queue["pending"] not in window.review_dialogs


def test_approval_from_the_lock_refreshes_panel_list_history_and_badge(
    qtbot, window: MainWindow, store: Store, team: People
) -> None:
    review_id = submit(store, team.stopped)
    window.reviews.refresh()
    row = next(
        r for r in range(window.model.rowCount()) if window.model.index(r, 0).data(CONTACT_ID_ROLE) == team.stopped
    )
    window.table.selectRow(row)
    settle(qtbot, window.tasks)
    link = window.panel.rows[Channel.SMS].review_button
    assert link.text() == f"Review #{review_id} pending" and window.main_tabs.tabText(1) == "Reviews (1)"
    link.click()
    dialog = window.review_dialogs[review_id]
    settle(qtbot, window.tasks)
    dialog.confirm_approval = lambda: True
    with qtbot.waitSignal(window.model.dataChanged):
        dialog.approve_button.click()
    settle(qtbot, window.tasks)
    sms = window.panel.rows[Channel.SMS]
    assert sms.toggle.isEnabled() and not sms.toggle.isChecked() and not sms.review_button.isVisible()
    assert window.model.index(row, 3).data() == "Off"
    assert window.history.model.index(0, 4).data() == "Opt-in review"
    assert window.history.model.index(0, 5).data() == f"Lifted by opt-in review #{review_id}, approved by {REVIEWER}"
    assert window.main_tabs.tabText(1) == "Reviews"
    assert window.reviews.model.index(0, 1).data() == "Approved"
