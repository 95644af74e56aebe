"""The window never waits on the database: one worker runs its reads and writes; problems are shown by class."""

from __future__ import annotations

import gc
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

import console.ui.ops as ops
from console.domain.channels import Channel
from console.errors import StoreUnavailable
from console.store.db import Store
from console.store.queries import channel_states
from console.ui.contact_model import NOT_LOADED, ContactTableModel
from console.ui.crash import CrashReporter
from console.ui.main_window import MainWindow
from console.ui.operations import ChangeOp, QueryOp
from console.ui.taskman import PROGRESS_DELAY_MS, TaskManager
from tests.ui.conftest import REVIEWER, People, open_window, rows_of, settle, submit


@pytest.fixture
def write_lock(store: Store) -> Iterator[sqlite3.Connection]:
    """Another connection holding the database's write lock (``BEGIN IMMEDIATE``) until released."""
    database = store.engine.url.database
    assert database is not None
    other = sqlite3.connect(database, isolation_level=None)
    yield other
    if other.in_transaction:
        other.rollback()
    other.close()


def hold(lock: sqlite3.Connection) -> None:
    lock.execute("BEGIN IMMEDIATE")


def impatient(store: Store) -> None:
    """Writers of this store give up on a held lock after 0.3 s instead of 15 s (as on a stuck server)."""
    event.listen(store.engine, "connect", lambda conn, _record: conn.execute("PRAGMA busy_timeout = 300"))
    store.engine.dispose()


def dnd(store: Store, contact_id: int, channel: Channel) -> bool:
    with store.read() as session:
        return channel_states(session, contact_id)[channel].state.dnd


def select(qtbot, window: MainWindow, contact_id: int) -> None:
    row = next(r for r in range(window.model.rowCount()) if window.model.contact_id(r) == contact_id)
    with qtbot.waitSignals([window.panel.loaded, window.history.loaded]):
        window.table.selectRow(row)


def test_a_locked_database_shows_one_message_with_retry_not_the_crash_dialog(
    qtbot, store: Store, people: People, settings: QSettings, write_lock: sqlite3.Connection
) -> None:
    impatient(store)
    crashes = CrashReporter()
    window = open_window(qtbot, store, settings, crashes)
    shown: list[tuple[str, str]] = []
    window.tasks.problems.shown.connect(lambda level, text: shown.append((level, text)))
    select(qtbot, window, people.clear)
    hold(write_lock)
    window.panel.rows[Channel.CALL].toggle.click()
    qtbot.waitUntil(lambda: window.messages.retry_button.isVisible(), timeout=5000)
    settle(qtbot, window.tasks)
    assert window.messages.level == "error" and "database is locked" in window.messages.text
    assert "Nothing was changed" in window.messages.text
    assert not window.panel.rows[Channel.CALL].toggle.isChecked()  # the stored state is shown again
    window.panel.rows[Channel.SMS].toggle.click()  # the same outage: no second message, one Retry for both
    settle(qtbot, window.tasks)
    assert len(shown) == 1 and crashes.shown == [] and crashes.dialog is None
    assert not dnd(store, people.clear, Channel.CALL)

    write_lock.rollback()
    with qtbot.waitSignal(window.panel.contact_changed):
        window.messages.retry_button.click()
    settle(qtbot, window.tasks)
    assert dnd(store, people.clear, Channel.CALL) and dnd(store, people.clear, Channel.SMS)
    assert window.panel.rows[Channel.CALL].toggle.isChecked() and window.panel.rows[Channel.SMS].toggle.isChecked()
    assert not window.messages.isVisible() and crashes.shown == []
    assert [window.history.model.index(r, 1).data() for r in range(2)] == ["SMS", "Calls"]
    window.close()


def test_the_window_keeps_answering_while_a_write_waits_for_the_lock(
    qtbot, window: MainWindow, store: Store, people: People, write_lock: sqlite3.Connection
) -> None:
    select(qtbot, window, people.clear)
    ticks: list[int] = []
    clock = QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(10)
    ticker.timeout.connect(lambda: ticks.append(clock.elapsed()))
    hold(write_lock)
    QTimer.singleShot(1000, write_lock.rollback)  # the other console commits after a second
    clock.start()
    ticker.start()
    with qtbot.waitSignal(window.panel.contact_changed, timeout=10_000):
        window.panel.rows[Channel.CALL].toggle.click()
        assert not window.panel.rows[Channel.SMS].toggle.isEnabled()  # the toggles wait for the save
        qtbot.waitUntil(lambda: bool(window.progress.text()), timeout=2000)  # shown after a moment, not at once
        assert window.progress.text() == "Saving the DND change..." and clock.elapsed() >= PROGRESS_DELAY_MS
    ticker.stop()
    assert clock.elapsed() >= 1000 and len([t for t in ticks if t < 1000]) > 5  # a blocked loop ticks once
    settle(qtbot, window.tasks)
    assert dnd(store, people.clear, Channel.CALL) and window.panel.rows[Channel.CALL].toggle.isChecked()
    assert window.progress.text() == "" and not window.messages.isVisible()


def test_a_failing_page_is_shown_once_and_loads_after_retry(
    qtbot, window: MainWindow, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    import console.ui.contact_model as contact_model

    monkeypatch.setattr(contact_model, "PAGE_SIZE", 2)
    down = threading.Event()
    down.set()
    real_page = ops.contact_page

    def page(*args: object) -> object:
        if down.is_set():
            raise StoreUnavailable("cannot read the database: server closed the connection", retryable=True)
        return real_page(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(ops, "contact_page", page)
    shown: list[str] = []  # listening before the refresh: its first page may fail before waitSignal returns
    window.tasks.problems.shown.connect(lambda _level, text: shown.append(text))
    with qtbot.waitSignal(window.model.count_changed):
        window.model.refresh()
    for _ in range(3):  # painted again and again: asked for once, reported once
        for row in range(window.model.rowCount()):
            window.model.index(row, 0).data()
        window.table.viewport().repaint()
        settle(qtbot, window.tasks)
    assert len(shown) == 1 and "server closed the connection" in shown[0]
    assert window.model.index(4, 0).data() == NOT_LOADED
    down.clear()
    window.messages.retry_button.click()
    assert rows_of(qtbot, window.model) == ["Ann Lee", "Bo Chen", "Cara Diaz", "Dev Patel", "Eli Novak", "Fay Ortiz"]


def test_a_bug_goes_to_the_crash_dialog_once(qtbot, tasks: TaskManager, crashes: CrashReporter) -> None:
    def broken(_ctx: object) -> None:
        raise RuntimeError("a bug in a query")

    failed: list[BaseException] = []
    QueryOp(tasks, broken).failure(failed.append).run_in_background()
    settle(qtbot, tasks)
    assert len(crashes.shown) == 1 and "RuntimeError: a bug in a query" in crashes.shown[0]
    assert crashes.dialog is not None and crashes.dialog.isVisible()
    assert isinstance(failed[0], RuntimeError)
    crashes.dialog.close()
    crashes.shown.clear()  # seen: the fixture checks that nothing else crashed


def test_jobs_run_in_order_a_queued_read_can_be_cancelled_and_progress_waits_a_moment(
    qtbot, tasks: TaskManager
) -> None:
    gate = threading.Event()
    ran: list[str] = []
    progress: list[str] = []
    tasks.progress_shown.connect(progress.append)

    def step(name: str, wait: bool = False) -> object:
        def work(_ctx: object) -> str:
            if wait:
                gate.wait(5)
            ran.append(name)
            return name

        return work

    results: list[str] = []
    QueryOp(tasks, step("quick")).with_progress("Quick").success(results.append).run_in_background()
    settle(qtbot, tasks)
    assert progress == []  # answered before the indicator's delay
    ChangeOp(tasks, step("slow write", wait=True)).with_progress("Saving...").success(results.append) \
        .run_in_background()
    dropped = QueryOp(tasks, step("stale read")).success(results.append)
    dropped.run_in_background()
    QueryOp(tasks, step("read")).success(results.append).run_in_background()
    dropped.cancel()
    with qtbot.waitSignal(tasks.progress_shown, timeout=2000):
        pass
    assert progress == ["Saving..."]
    with qtbot.waitSignal(tasks.progress_hidden):
        gate.set()
    settle(qtbot, tasks)
    assert ran == ["quick", "slow write", "read"] and results == ran


def test_the_review_dialog_does_not_query_while_the_reviewer_types(
    qtbot, tasks_as: Callable[[str], TaskManager], store: Store, team: People
) -> None:
    from console.ui.review_dialog import ReviewDialog

    review_id = submit(store, team.stopped)
    tasks = tasks_as(REVIEWER)
    dialog = ReviewDialog(tasks, review_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(str(args[2])))
    before = tasks.submitted
    qtbot.keyClicks(dialog.reason, "The recording shows another number")
    qtbot.keyClicks(dialog.new_numbers.edit, "415 555 9001")
    assert dialog.reject_button.isEnabled() and dialog.approve_button.isEnabled()
    assert tasks.submitted == before and statements == []


def test_a_contact_model_without_a_filter_is_empty_and_valid(qtmodeltester, tasks: TaskManager) -> None:
    model = ContactTableModel(tasks, None)
    qtmodeltester.check(model)
    assert model.rowCount() == 0 and not model.loading


def test_the_region_of_the_settings_applies_in_the_search_and_the_review_numbers(
    qtbot, store: Store, people: People, settings: QSettings, location_id: int
) -> None:
    from console.services.context import AppContext, Settings
    from console.store.contacts import add_contact
    from console.ui.review_dialog import ReviewDialog

    with store.write() as session:
        add_contact(session, location_id, "Gwen Hughes", "gwen@example.co.uk", "+442071234567")
    window = MainWindow(AppContext.with_store(store, Settings(region="GB")), settings, CrashReporter())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.locations), timeout=5000)
    settle(qtbot, window.tasks)
    with qtbot.waitSignal(window.model.count_changed):
        window.filters.search.setText("020 7123 4567")  # a national number: British in this console
        window.filters.apply_now()
    assert rows_of(qtbot, window.model) == ["Gwen Hughes"]
    review_id = submit(store, people.stopped)
    dialog = ReviewDialog(window.tasks, review_id)
    qtbot.addWidget(dialog)
    dialog.new_numbers.edit.setText("020 7946 0000")
    assert dialog.new_numbers.numbers() == ["+442079460000"]
    window.close()


def test_cancel_stops_waiting_for_reads_never_for_writes(qtbot, tasks: TaskManager) -> None:
    gate = threading.Event()
    results: list[object] = []
    ChangeOp(tasks, lambda _ctx: gate.wait(5) and "written").success(results.append).run_in_background()
    QueryOp(tasks, lambda _ctx: "read").with_progress("Searching contacts...").success(results.append) \
        .cancelled(lambda: results.append("read cancelled")).run_in_background()
    ChangeOp(tasks, lambda _ctx: "saved").with_progress("Saving...").success(results.append).run_in_background()
    tasks.cancel_all()
    gate.set()
    settle(qtbot, tasks)
    assert results == ["written", "read cancelled", "saved"]


def test_cancelling_a_search_keeps_the_rows_shown(qtbot, window: MainWindow, people: People) -> None:
    shown = rows_of(qtbot, window.model)
    gate = threading.Event()
    ChangeOp(window.tasks, lambda _ctx: gate.wait(5)).run_in_background()  # the worker is busy a moment
    window.filters.search.setText("lee")
    window.filters.apply_now()
    assert window.model.loading
    window.tasks.cancel_all()
    gate.set()
    settle(qtbot, window.tasks)
    assert not window.model.loading and rows_of(qtbot, window.model) == shown


def test_a_full_disk_is_a_message_without_retry_shown_once_per_failure(
    qtbot, window: MainWindow, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise StoreUnavailable("cannot write the database: the disk is full (database or disk is full)")

    monkeypatch.setattr(ops, "set_dnd", full)
    shown: list[str] = []
    window.tasks.problems.shown.connect(lambda _level, text: shown.append(text))
    select(qtbot, window, people.clear)
    for channel in (Channel.CALL, Channel.SMS):  # the same failure: one message
        window.panel.rows[channel].toggle.click()
        settle(qtbot, window.tasks)
    assert len(shown) == 1 and "disk is full" in shown[0] and "Nothing was changed" in shown[0]
    assert window.messages.isVisible() and not window.messages.retry_button.isVisible()
    window.messages.close_button.click()  # seen: the next failure is a new one
    window.panel.rows[Channel.CALL].toggle.click()
    settle(qtbot, window.tasks)
    assert len(shown) == 2


class Tracked:
    """Records the thread that frees it (a finalizer runs where the last reference goes)."""

    def __init__(self, freed_on: list[str]) -> None:
        weakref.finalize(self, lambda: freed_on.append(threading.current_thread().name))


def test_a_finished_job_and_what_its_closures_hold_are_freed_on_the_gui_thread(qtbot, tasks_as) -> None:
    manager = tasks_as(None)
    freed_on: list[str] = []
    for _ in range(3):
        tracked = Tracked(freed_on)
        with qtbot.waitSignal(manager.idle):
            manager.run(lambda _job, t=tracked: t, lambda job: None)
        del tracked
    manager.shutdown()  # the worker takes its stop marker: it must not be the last holder of the final job
    assert freed_on == [threading.current_thread().name] * 3


def test_cyclic_garbage_is_collected_on_the_gui_thread_while_a_worker_runs(qtbot, tasks_as) -> None:
    manager = tasks_as(None)
    assert not gc.isenabled()  # the worker could otherwise collect a widget's cycle on its own thread
    freed_on: list[str] = []
    cycle = [Tracked(freed_on)]
    cycle.append(cycle)  # type: ignore[arg-type]
    del cycle
    for _ in range(3):
        with qtbot.waitSignal(manager.idle):  # the worker allocates far past the young generation's threshold
            manager.run(lambda _job: [[] for _ in range(5_000)], lambda job: None)
    kept = [[] for _ in range(2 * gc.get_threshold()[0])]
    qtbot.waitUntil(lambda: freed_on == [threading.current_thread().name])  # the GUI thread's timer collected it
    del kept
    manager.shutdown()
    assert gc.isenabled()


def test_the_whole_heap_is_collected_at_most_once_a_minute_on_the_gui_thread(monkeypatch) -> None:
    from console.ui import collector as module

    collected: list[int] = []
    monkeypatch.setattr(module.gc, "get_count", lambda: (10_000, 100, 100))  # every generation is due
    monkeypatch.setattr(module.gc, "collect", lambda generation: collected.append(generation) or 0)
    watcher = module.MainThreadCollector()
    watcher._last_full -= module.FULL_EVERY_S  # a minute since the last full collection
    watcher.collect_due()
    watcher.collect_due()  # due again at once: the younger generations only (a full walk stalls the window)
    assert collected == [2, 1]
