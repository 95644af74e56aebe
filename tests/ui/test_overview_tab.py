"""The Overview tab: the figures of ``stats`` as plots, computed on the worker; open work one click away."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pyqtgraph as pg
import pytest

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QPushButton

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.deadlines import DEADLINE_BUSINESS_DAYS as DEADLINE
from console.domain.events import Effect, Event, now_us
from console.services.context import AppContext, Settings
from console.services.stats import KIND_ORDER, Overview, overview
from console.store.db import Store
from console.store.ledger import record_events
from console.ui import overview_tab
from console.ui.main_window import MainWindow
from console.ui.opt_outs import PossibleOptOutsDialog
from console.ui.overview_tab import AGE_BUCKETS, OverviewTab, age_buckets, reason_group, weekly_series
from tests.cli.clitools import CliRunner
from tests.ui.conftest import MARCH_1, People, open_window, settle

DAY = 86_400_000_000


def shown(qtbot, window: MainWindow) -> Overview:
    """Switch to the Overview tab and wait for its figures."""
    tab = window.overview
    with qtbot.waitSignal(tab.loaded, timeout=10_000) as blocker:
        window.main_tabs.setCurrentWidget(tab)
    settle(qtbot, window.tasks)
    assert blocker.args is not None
    return blocker.args[0]


def bars(plot: pg.PlotWidget) -> list[pg.BarGraphItem]:
    return [item for item in plot.getPlotItem().items if isinstance(item, pg.BarGraphItem)]


def possible_opt_out(key: str, phone: str, at_us: int) -> Event:
    return Event("twilio", key, at_us, Channel.SMS, Effect.NONE, None, "inbound/possible_opt_out", address=phone,
                 detail={"possible_opt_out": "1", "body": "please stop texting me"})


def recent(store: Store, people: People) -> None:
    """New DND this year and possible opt-outs: two overdue (2024, and 20 days ago), one of today."""
    now = now_us()
    with store.write() as session:
        record_events(session, 1, [
            Event("twilio", "recent-stop", now - 30 * DAY, Channel.SMS, Effect.SET, DndKind.PERMANENT,
                  "sms.opt_out_keyword", address="+14155550100", detail={"keyword": "STOP"}),
            Event("mailgun", "recent-bounce", now - 90 * DAY, Channel.EMAIL, Effect.SET, DndKind.TEMPORARY,
                  "email.bounce", address="ann@example.com"),
            possible_opt_out("old", "+14155550101", MARCH_1),
            possible_opt_out("late", "+14155550103", now - 20 * DAY),
            possible_opt_out("fresh", "+14155550104", now - 60_000_000),
        ], "tester")


@pytest.fixture
def busy(store: Store, people: People) -> People:
    recent(store, people)
    return people


@pytest.fixture
def busy_window(qtbot, store: Store, busy: People, settings: QSettings, crashes) -> Iterator[MainWindow]:
    win = open_window(qtbot, store, settings, crashes)
    yield win
    win.close()
    assert crashes.shown == [], crashes.shown[0]


def test_the_tab_plots_the_figures_of_the_stats_service(qtbot, busy_window: MainWindow, store: Store) -> None:
    figures = shown(qtbot, busy_window)
    tab = busy_window.overview
    service = overview(AppContext(Settings(db_url=store.url), _store=store))
    assert figures.as_dict() == service.as_dict()
    # DND by channel and kind: one stacked bar per channel, one segment per kind
    segments = bars(tab.dnd_plot)
    assert len(segments) == len(KIND_ORDER)
    for kind, item in zip(KIND_ORDER, segments, strict=True):
        widths = [float(w) for w in item.opts["width"]]
        assert widths == [service.count(channel, kind) for channel in CHANNEL_ORDER]
    assert service.count(Channel.SMS, DndKind.PERMANENT) == 2 and service.count(Channel.EMAIL, DndKind.TEMPORARY) == 2
    # new DND per week: every week of the year, the grouped reasons adding up to the service's counts
    weeks, series = weekly_series(service)
    assert 52 <= len(weeks) <= 54
    heights = {label: sum(float(h) for h in item.opts["height"]) for label, item in
               zip(series, bars(tab.weekly_plot), strict=True)}
    assert heights == {"Replied STOP (SMS)": 1, "Email bounced": 1, "Set by an agent": 1}  # Eli's, set today
    assert tab.weekly_legend.entries == ["Replied STOP (SMS)", "Email bounced", "Set by an agent"]
    assert sum(heights.values()) == sum(w.count for w in service.new_dnd_by_week)
    # open work: 3 pending, 2 overdue; the histogram adds up to the pending ones
    [ages] = bars(tab.age_plot)
    assert [float(h) for h in ages.opts["height"]] == age_buckets(service.opt_outs_by_age)
    assert sum(float(h) for h in ages.opts["height"]) == service.opt_outs_pending == 3
    assert service.opt_outs_overdue == 2
    assert tab.overdue_label.text().startswith("2 overdue")
    assert tab.overdue_button.isEnabled() and "2 overdue" in tab.overdue_button.text()
    assert tab.opt_outs_label.text() == "3 possible opt-outs waiting for a decision."
    assert tab.status.text().startswith("Default: updated ")
    # the same figures in words, for a tooltip and a screen reader
    assert "SMS: 3 (temporary 1, permanent 2)" in tab.dnd_plot.toolTip()
    assert "Replied STOP (SMS): 1" in tab.weekly_plot.accessibleDescription()
    assert tab.age_plot.toolTip() == "0 business days: 1\n11-15 business days: 1\n31+ business days: 1"


def test_the_tab_and_stats_json_give_the_same_figures(qtbot, busy_window: MainWindow, store: Store,
                                                      monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    figures = shown(qtbot, busy_window)
    printed = CliRunner(monkeypatch, capsys, store.url).ok("stats", "--json").json
    assert printed == figures.as_dict()
    assert printed["possible_opt_outs"]["pending"] == 3


def test_the_overdue_button_opens_the_possible_opt_outs(qtbot, busy_window: MainWindow) -> None:
    shown(qtbot, busy_window)
    busy_window.overview.overdue_button.click()
    dialog = busy_window.findChild(PossibleOptOutsDialog, "possible_opt_outs_dialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=5000)
    dialog.close()


def test_the_reviews_button_shows_the_review_queue(qtbot, busy_window: MainWindow) -> None:
    shown(qtbot, busy_window)
    busy_window.overview.reviews_button.click()
    assert busy_window.main_tabs.currentWidget() is busy_window.reviews


def test_an_empty_database_says_so(qtbot, store: Store, settings: QSettings) -> None:
    window = open_window(qtbot, store, settings)
    figures = shown(qtbot, window)
    tab = window.overview
    assert figures.contacts == 0
    assert tab.dnd_note.isVisible() and tab.dnd_note.text() == "No contact of Default has DND now."
    assert tab.weekly_note.isVisible() and "No new DND" in tab.weekly_note.text()
    assert tab.reviews_label.text() == "No opt-in review is waiting for a reviewer."
    assert tab.opt_outs_label.text() == "No possible opt-out is waiting for a decision."
    assert not tab.overdue_button.isEnabled()
    assert tab.weekly_legend.entries == []
    window.close()


def test_the_figures_are_computed_on_the_worker_with_a_loading_state(qtbot, window: MainWindow,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []

    def computed(ctx: AppContext, location: str | None) -> Overview:
        threads.append(threading.current_thread())
        return overview(ctx, location)

    monkeypatch.setattr(overview_tab, "overview", computed)
    tab = window.overview
    assert tab.figures is None  # not computed while hidden
    window.main_tabs.setCurrentWidget(tab)
    assert tab.loading and tab.status.text() == "Computing the figures..."
    assert not tab.refresh_button.isEnabled()
    qtbot.waitUntil(lambda: tab.figures is not None and not tab.loading, timeout=10_000)
    assert len(threads) == 1 and threads[0] is not threading.main_thread()  # on the database worker
    assert tab.refresh_button.isEnabled() and "updated" in tab.status.text()


def test_new_data_is_shown_while_the_tab_is_open(qtbot, window: MainWindow, store: Store, people: People,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overview_tab, "MIN_INTERVAL_MS", 0)
    before = shown(qtbot, window)
    with store.write() as session:
        record_events(session, 1, [Event("twilio", "new-stop", now_us() - DAY, Channel.SMS, Effect.SET,
                                         DndKind.PERMANENT, "sms.opt_out_keyword", address="+14155550100")],
                      "another console")
    with qtbot.waitSignal(window.overview.loaded, timeout=10_000) as blocker:
        window.refresh_changed(None)  # what live refresh calls when another console committed
    after: Overview = blocker.args[0]
    assert after.count(Channel.SMS, DndKind.PERMANENT) == before.count(Channel.SMS, DndKind.PERMANENT) + 1


def test_changes_while_hidden_are_computed_when_shown(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    window.main_tabs.setCurrentWidget(window.reviews)
    jobs = window.tasks.submitted
    window.overview.data_changed()
    assert window.tasks.submitted == jobs and not window.overview.loading
    with qtbot.waitSignal(window.overview.loaded, timeout=10_000):
        window.main_tabs.setCurrentWidget(window.overview)


def test_repeated_changes_are_computed_at_most_every_few_seconds(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    tab = window.overview
    jobs = window.tasks.submitted
    for _ in range(5):
        tab.data_changed()
    assert window.tasks.submitted == jobs and tab._timer.isActive()  # one refresh, after the interval
    # a coarse timer (Qt's default) may be scheduled up to 5 % late, and its remaining time is rounded up
    assert 0 < tab._timer.remainingTime() <= overview_tab.MIN_INTERVAL_MS * 1.05


def test_another_location_shows_its_own_figures_at_once(qtbot, window: MainWindow, store: Store) -> None:
    from console.store.contacts import add_contact
    from console.store.locations import add_location

    with store.write() as session:
        other = add_location(session, "Northside").id
        add_contact(session, other, "Zed North", "zed@example.com", None)
    window.locations.append((other, "Northside"))
    window.filters.set_locations(window.locations, window.filters.location_id)
    first = shown(qtbot, window)
    assert first.location == "Default"
    combo = window.filters.location
    with qtbot.waitSignal(window.overview.loaded, timeout=overview_tab.MIN_INTERVAL_MS - 1000,
                          check_params_cb=lambda f: f.location == "Northside") as blocker:
        combo.setCurrentIndex(combo.findData(other))  # no waiting for the interval of data changes
    figures: Overview = blocker.args[0]
    assert (figures.location, figures.contacts) == ("Northside", 1)
    assert window.overview.status.text().startswith("Northside: updated")


def test_reasons_in_plain_groups() -> None:
    assert reason_group("sms.opt_out_keyword") == "Replied STOP (SMS)"
    assert reason_group("sms.error_30003") == reason_group("sms.error_21610") == "Carrier error (SMS)"
    assert reason_group("email.suppress-bounce") == "Email bounced"
    assert reason_group("manual") == "Set by an agent"
    assert reason_group("something.new") == "Other"


def test_ages_past_ten_business_days_fall_in_the_overdue_buckets() -> None:
    counts = age_buckets([(0, 2), (10, 1), (11, 4), (16, 1), (200, 3)])
    labels = [b[0] for b in AGE_BUCKETS]
    assert counts[labels.index("0")] == 2 and counts[labels.index("10")] == 1
    assert counts[labels.index("11-15")] == 4 and counts[labels.index("16-30")] == 1
    assert counts[labels.index("31+")] == 3 and sum(counts) == 11


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_renders_at_common_sizes(qtbot, busy_window: MainWindow, size: tuple[int, int], tmp_path: Path) -> None:
    busy_window.resize(*size)
    shown(qtbot, busy_window)
    tab = busy_window.overview
    qtbot.wait(50)
    image = busy_window.grab()
    assert image.save(str(tmp_path / f"overview-{size[0]}.png"))
    for button in tab.findChildren(QPushButton):  # no button cut off
        assert button.width() >= button.sizeHint().width() - 1, button.objectName()
    for plot in (tab.dnd_plot, tab.weekly_plot, tab.age_plot):
        assert plot.height() >= plot.minimumHeight() and plot.width() > 300


def test_a_standalone_tab_on_its_own_worker(qtbot, tasks, people: People) -> None:
    tab = OverviewTab(tasks, lambda: None)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.show()
    assert tab.figures is not None and tab.figures.location == "Default"
    assert sum(n for _c, _k, n in tab.figures.dnd) == 5


def test_figures_that_cannot_be_computed_say_so_and_can_be_asked_again(qtbot, window: MainWindow,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from console.errors import Unavailable

    def locked(_ctx: AppContext, _location: str | None) -> Overview:
        raise Unavailable("the database is locked", retryable=True)

    monkeypatch.setattr(overview_tab, "overview", locked)
    tab = window.overview
    window.main_tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not tab.loading, timeout=10_000)
    assert tab.figures is None and tab.status.text().startswith("The figures could not be computed")
    assert tab.dnd_note.isVisible() and tab.dnd_note.text() == tab.status.text()
    assert tab.refresh_button.isEnabled()
    assert window.messages.isVisible()  # the window's message bar says why, with Retry
    monkeypatch.setattr(overview_tab, "overview", overview)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.refresh_button.click()
    assert tab.figures is not None and not tab.dnd_note.isVisible()


def test_the_window_starts_without_importing_the_plotting_library() -> None:
    import subprocess
    import sys

    code = "import sys, console.ui.main_window; print('pyqtgraph' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.split() == ["False", "False"]  # pyqtgraph comes with the tab's first show


def test_figures_before_the_plotting_library_wait_for_it_and_the_window_keeps_answering(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import time

    real_import = importlib.import_module

    def slow_import(name: str) -> object:
        time.sleep(0.6)  # a cold start: numpy and pyqtgraph take this long on a busy machine
        return real_import(name)

    monkeypatch.setattr(overview_tab.importlib, "import_module", slow_import)
    tab = window.overview
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    heartbeat.start(20)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        window.main_tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: tab._waiting is not None, timeout=5000)  # the figures came first
        assert tab.dnd_plot is None and tab.loading
    heartbeat.stop()
    assert tab.dnd_plot is not None and tab._waiting is None and not tab.loading
    assert bars(tab.dnd_plot) and len(ticks) >= 15  # the event loop ran all along


def test_refresh_while_computing_computes_once_more_right_after(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    tab = window.overview
    seen: list[Overview] = []
    tab.loaded.connect(seen.append)
    tab.reload()
    assert tab.loading
    tab.reload()  # asked again meanwhile: queued once, not dropped, not throttled
    tab.reload()
    qtbot.waitUntil(lambda: len(seen) == 2 and not tab.loading, timeout=overview_tab.MIN_INTERVAL_MS - 1000)
    settle(qtbot, window.tasks)
    assert len(seen) == 2


def test_the_demo_fills_every_plot(qtbot, settings: QSettings, tmp_path: Path) -> None:
    from console.ui.app import make_demo_store

    store = make_demo_store()
    try:
        window = open_window(qtbot, store, settings)
        window.resize(1280, 800)
        figures = shown(qtbot, window)
        tab = window.overview
        weeks, series = weekly_series(figures)
        assert sum(1 for i in range(len(weeks)) if any(c[i] for c in series.values())) >= 48
        assert len(tab.weekly_legend.entries) >= 5
        assert all(figures.count(c, DndKind.MANUAL) > 0 for c in CHANNEL_ORDER)
        counts = age_buckets(figures.opt_outs_by_age)
        assert sum(counts[: DEADLINE + 1]) > 0 and figures.opt_outs_overdue > 0  # both sides of the deadline
        assert window.grab().save(str(tmp_path / "overview-demo.png"))
        window.close()
    finally:
        store.dispose()


def test_the_plotting_library_is_loaded_in_the_background_soon_after_the_start(
        qtbot, store: Store, people: People, settings: QSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overview_tab, "PRELOAD_MS", 10)
    window = open_window(qtbot, store, settings)
    tab = window.overview
    qtbot.waitUntil(lambda: tab._importer is not None and not tab._importer.is_alive(), timeout=10_000)
    assert tab.dnd_plot is None and tab.figures is None  # nothing drawn nor computed while hidden
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        window.main_tabs.setCurrentWidget(tab)
    assert tab.dnd_plot is not None
    window.close()
