"""GUI benchmark on a large database (not a test). Prints the figures of issue 4's Performance section.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py --db /tmp/bench-1m.db --contacts 1000000

The database is built once with a fast bulk generator (contacts and channel states written directly), or
with ``dnd-console demo --contacts N --db sqlite:///PATH`` beforehand (then pass ``--db PATH``).
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer
from PySide6.QtSql import QSqlDatabase, QSqlQueryModel
from PySide6.QtWidgets import QApplication, QTableView

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.state import Status
from console.services.demo import FIRST, LAST
from console.store.contact_list import ContactFilter
from console.store.db import Store
from console.ui.crash import CrashReporter
from console.ui.import_dialog import ImportDialog
from console.ui.import_worker import import_pool
from console.ui.main_window import MainWindow

KINDS = [("manual", "manual"), ("temporary", "email.bounce"), ("permanent", "sms.opt_out_keyword"),
         ("spam", "email.complained"), ("temporary", "sms.error_30003")]


def build_bulk(path: Path, contacts: int, seed: int = 7) -> None:
    """Contacts in location 1 with a DND on about a quarter of them, written straight into the tables."""
    Store(f"sqlite:///{path}").dispose()
    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    chans = [c.value for c in CHANNEL_ORDER]
    for start in range(1, contacts + 1, 50_000):
        rows, states = [], []
        for i in range(start, min(contacts, start + 49_999) + 1):
            mask = 0
            if rnd.random() < 0.25:
                kind, reason = rnd.choice(KINDS)
                ch = reason.split(".")[0] if reason != "manual" else rnd.choice(chans)
                mask = 1 << chans.index(ch)
                states.append((i, ch, 1, kind, reason, 1_700_000_000_000_000 + i, "bench", "x", 1, "bench"))
            rows.append((i, 1, f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", f"user{i}@example.com",
                         f"+1415{i:07d}", 0, 0, mask))
        con.executemany("INSERT INTO contacts (id, location_id, name, email, phone, created_at_us, updated_at_us,"
                        " dnd_mask) VALUES (?,?,?,?,?,?,?,?)", rows)
        con.executemany("INSERT INTO channel_states (contact_id, channel, dnd, kind, reason, since_us, source,"
                        " last_order, version, changed_by) VALUES (?,?,?,?,?,?,?,?,?,?)", states)
    con.commit()
    con.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def timed(app: QApplication, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    app.processEvents()
    return time.perf_counter() - started


def bare_table(app: QApplication, path: Path) -> float:
    """A QTableView over a QSqlQueryModel of the contacts table (it fetches 256 rows at a time)."""

    def show() -> None:
        db = QSqlDatabase.addDatabase("QSQLITE", "bare")
        db.setDatabaseName(str(path))
        db.open()
        model = QSqlQueryModel()
        model.setQuery("SELECT id, name, email, phone, dnd_mask FROM contacts ORDER BY name", db)
        view = QTableView()
        view.setModel(model)
        view.resize(1400, 820)
        view.show()
        app.processEvents()
        view.repaint()
        bare_table.keep = (db, model, view)  # type: ignore[attr-defined]

    return timed(app, show)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "dnd-bench-1m.db")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the import stall test")
    parser.add_argument("--day", type=int, default=1, help="day of March 2024 of the imported events (new events)")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    if not args.db.exists():
        started = time.perf_counter()
        build_bulk(args.db, args.contacts)
        print(f"built {args.contacts:,} contacts in {time.perf_counter() - started:.1f} s: {args.db}")
    store = Store(f"sqlite:///{args.db}")

    bare = bare_table(app, args.db)
    holder: list[MainWindow] = []

    def open_window() -> None:
        window = MainWindow(store, QSettings(str(args.db) + ".ini", QSettings.Format.IniFormat), CrashReporter())
        window.show()
        app.processEvents()
        window.repaint()
        holder.append(window)

    shown = timed(app, open_window)
    window = holder[0]
    print(f"window appears:       {ms(shown)}   bare QTableView+QSqlQueryModel: {ms(bare)}   "
          f"ratio {shown / bare:.1f}x (target under 5x)")

    loc = window.filters.location_id
    for label, flt in [
        ("search name 'lee'", ContactFilter(loc, search="lee")),
        ("search email", ContactFilter(loc, search="user123456@example.com")),
        ("search phone (415) 012-3456", ContactFilter(loc, search="(415) 012-3456")),
        ("status partial", ContactFilter(loc, status=Status.PARTIAL)),
        ("status off", ContactFilter(loc, status=Status.OFF)),
        ("DND on SMS", ContactFilter(loc, channel=Channel.SMS)),
        ("kind spam", ContactFilter(loc, kind=DndKind.SPAM)),
        ("kind permanent on SMS", ContactFilter(loc, kind=DndKind.PERMANENT, channel=Channel.SMS)),
        ("all contacts", ContactFilter(loc)),
    ]:
        took = timed(app, lambda f=flt: (window.model.set_filter(f), window.table.repaint()))
        print(f"filter {label:30} {ms(took)}  {window.model.rowCount():>9,} matches (target under 200 ms)")

    window.table.selectRow(0)
    app.processEvents()
    toggle = window.panel.rows[Channel.CALL].toggle
    for attempt in range(3):
        took = timed(app, lambda: (toggle.click(), window.table.repaint()))
        print(f"toggle Calls #{attempt + 1}:       {ms(took)} (target under 50 ms)")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory before the import (ru_maxrss): {before:.0f} MB")
    stall_during_import(app, window, store, args.db, args.events, args.day)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak:.0f} MB (target under 300 MB)")


def stall_during_import(
    app: QApplication, window: MainWindow, store: Store, db: Path, events: int, day: int = 1
) -> None:
    """The longest gap between ticks of a 10 ms timer while the import runs on the worker."""
    export = db.with_name(f"{db.stem}-{events}-{day:02d}.unsubscribes.csv")
    if not export.exists():
        with export.open("w") as out:
            out.write("address,tag,created_at\n")
            for i in range(1, events + 1):
                out.write(f"user{i}@example.com,*,2024-03-{day:02d}T10:{i // 60 % 60:02d}:{i % 60:02d}Z\n")
    dialog = ImportDialog(store, ["Default"], "Default", window.actor, parent=window)
    dialog.set_files([export])
    clock = QElapsedTimer()
    gaps: list[int] = []
    ticker = QTimer()
    ticker.setInterval(10)
    moments: list[float] = []
    ticker.timeout.connect(lambda: (gaps.append(clock.restart()), moments.append(time.perf_counter())))
    done: list[object] = []
    loop = QEventLoop()
    dialog.imported.connect(lambda summary: (done.append(summary), loop.quit()))
    clock.start()
    ticker.start()
    started = time.perf_counter()
    dialog.show()
    dialog.start()
    if dialog.job is not None:
        dialog.job.signals.failed.connect(loop.quit)
        dialog.job.signals.crashed.connect(lambda text: (print(text), loop.quit()))
        loop.exec()
    ticker.stop()
    import_pool().waitForDone()
    took = time.perf_counter() - started
    summary = done[0].as_dict() if done else {"records": 0}  # type: ignore[attr-defined]
    print(
        f"import {summary['records']:,} events: {took:.1f} s, {summary['records'] / took:,.0f} records/s; "
        f"longest event-loop stall {max(gaps[1:] or [0])} ms over {len(gaps)} ticks (target under 100 ms)"
        + (f"; problem: {dialog.problem.text()}" if dialog.problem.text() else "")
    )
    worst = sorted(zip(gaps[1:], moments[1:], strict=True), reverse=True)[:5]
    print("  longest stalls (ms, seconds after start):", [(g, round(m - started, 1)) for g, m in worst])


if __name__ == "__main__":
    main()
