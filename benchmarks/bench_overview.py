"""The window's Overview tab on a large database: how long until the plots show, and the GUI thread meanwhile.

    dnd-console --db sqlite:////tmp/overview1m.db demo --contacts 1000000         # a few minutes, once
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_overview.py --db sqlite:////tmp/overview1m.db

Prints, over ``--runs`` refreshes of the tab (after one cold one): the wall time from asking for the figures to
the plots drawn (the stats service on the database worker, then the plot update on the GUI thread), the CPU time
of the stats on the worker thread, the plot update alone, the longest the GUI thread went without handling a 10 ms
timer meanwhile (the window never freezes), a raw ``SELECT location_id, count(*) FROM contacts GROUP BY
location_id`` in the same run, and the ratio.
Target: the overview under 1 s on 1,000,000 contacts.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from console.services.context import AppContext, Settings
from console.services.stats import Overview
from console.store.db import Store
from console.ui import overview_tab
from console.ui.overview_tab import OverviewTab
from console.ui.taskman import TaskManager

DEFAULT_DB = "sqlite:////tmp/overview1m.db"
BASELINE = "SELECT location_id, count(*) FROM contacts GROUP BY location_id"


def refresh(app: QApplication, tab: OverviewTab, first: bool = False) -> tuple[float, float, float]:
    """(seconds until the plots are drawn, seconds of the plot update, longest GUI-thread gap in seconds);
    ``first``: the tab is shown (which computes the figures) rather than refreshed."""
    drawn: list[float] = []
    ticks: list[float] = [time.perf_counter()]
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    show = tab._show

    def timed_show(figures: Overview) -> None:
        start = time.perf_counter()
        show(figures)
        app.processEvents()  # the repaint of the plots
        drawn.append(start)
        drawn.append(time.perf_counter())

    tab._show = timed_show  # type: ignore[method-assign]
    loop = QEventLoop()
    tab.loaded.connect(loop.quit)
    heartbeat.start()
    start = time.perf_counter()
    if first:
        tab.show()
    else:
        tab.reload()
    loop.exec()
    heartbeat.stop()
    tab.loaded.disconnect(loop.quit)
    tab._show = show  # type: ignore[method-assign]
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return drawn[1] - start, drawn[1] - drawn[0], max(gaps, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--location", default=None, help="location name (default: the default location)")
    parser.add_argument("--shown-at-once", action="store_true",
                        help="show the tab at once (the first show then also waits for pyqtgraph to load); by default "
                             "it is shown after the background preload, as a few seconds after the window started")
    args = parser.parse_args()
    worker_cpu: list[float] = []
    compute = overview_tab.overview

    def measured(ctx: AppContext, location: str | None) -> Overview:  # CPU of the stats on the worker thread
        start = time.thread_time()
        figures = compute(ctx, location)
        worker_cpu.append(time.thread_time() - start)
        return figures

    overview_tab.overview = measured  # type: ignore[assignment]
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    store = Store(args.db)
    ctx = AppContext(Settings(db_url=args.db), _store=store)
    tasks = TaskManager(ctx)
    tab = OverviewTab(tasks, lambda: args.location)
    tab.resize(1280, 720)
    if not args.shown_at_once:
        loop = QEventLoop()
        QTimer.singleShot(overview_tab.PRELOAD_MS + 100, loop.quit)
        loop.exec()
        while tab._importer is not None and tab._importer.is_alive():
            app.processEvents()
            time.sleep(0.01)
    cold = refresh(app, tab, first=True)
    runs = [refresh(app, tab) for _ in range(args.runs)]
    raw: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        with store.read() as session:
            session.execute(text(BASELINE)).all()
        raw.append(time.perf_counter() - start)
    figures = tab.figures
    assert figures is not None
    total = statistics.median(r[0] for r in runs)
    base = statistics.median(raw)
    print(f"database: {figures.contacts:,} contacts in {figures.location}")
    first = "first (pyqtgraph loading meanwhile)" if args.shown_at_once else "first (after the preload)"
    print(f"overview tab, asked to drawn: {first} {cold[0] * 1000:.0f} ms, median {total * 1000:.0f} ms, "
          f"worst {max(r[0] for r in runs) * 1000:.0f} ms over {args.runs} runs  (target < 1000 ms)")
    print(f"  of which the stats on the worker: CPU median {statistics.median(worker_cpu[1:]) * 1000:.0f} ms"
          " (the wall time beyond it is the machine's other load)")
    print(f"  of which the plot update (GUI thread): median {statistics.median(r[1] for r in runs) * 1000:.0f} ms")
    print(f"  longest the GUI thread was busy meanwhile: {max(r[2] for r in runs) * 1000:.0f} ms")
    print(f"baseline {BASELINE}: median {base * 1000:.1f} ms")
    print(f"ratio overview / baseline: {total / base:.1f}x")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    tasks.shutdown()
    store.dispose()


if __name__ == "__main__":
    main()
