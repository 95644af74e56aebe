"""Starting the window: the application object, the crash dialog, the database (or a fresh demo one)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from console.errors import UserError
from console.store.db import Store
from console.ui.crash import CrashReporter
from console.ui.icons import icon
from console.ui.main_window import MainWindow

DEMO_CONTACTS = 3000


def make_demo_store() -> Store:
    """A fresh database in a temporary folder, filled by the demo generator."""
    from console.store.demo import build_demo

    folder = Path(tempfile.mkdtemp(prefix="dnd-console-demo-"))
    store = Store(f"sqlite:///{folder / 'demo.db'}")
    build_demo(store, contacts=DEMO_CONTACTS)
    return store


def application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("dnd-console")
    app.setApplicationName("DND Console")
    app.setWindowIcon(icon("app"))
    return app


def run_gui(store_url: str | None, demo: bool) -> int:
    """Open the console window; returns the exit code."""
    app = application()
    crashes = CrashReporter()
    crashes.install()
    try:
        store = make_demo_store() if demo else Store(store_url)
    except UserError as exc:
        QMessageBox.critical(None, "DND Console", f"Cannot open the database.\n\n{exc}")
        return 2
    window = MainWindow(store, QSettings(), crashes)
    if demo:
        window.setWindowTitle(f"DND Console (demo database: {store.url.removeprefix('sqlite:///')})")
    window.show()
    code = app.exec()
    store.dispose()
    return int(code)
