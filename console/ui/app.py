"""Starting the window: the application object, the crash dialog, the database (or a fresh demo one)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from console.errors import UserError
from console.services.context import AppContext, Settings
from console.store.db import Store
from console.ui.crash import CrashReporter
from console.ui.icons import icon
from console.ui.main_window import MainWindow

DEMO_CONTACTS = 3000


def make_demo_store() -> Store:
    """A fresh database in a temporary folder, filled by the demo generator."""
    from console.services.demo import build_demo

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


class DatabaseProblem:
    """Asks the agent what to do when the database cannot be opened: try again, or quit."""

    def ask(self, message: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Critical, "DND Console", f"Cannot open the database.\n\n{message}")
        box.setObjectName("database_problem")
        box.setAccessibleName("Database problem")
        box.setInformativeText("Check that the server is running and reachable, then try again.")
        box.setStandardButtons(QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Retry)
        return box.exec() == QMessageBox.StandardButton.Retry


def open_store(open_once: Callable[[], Store], problem: DatabaseProblem) -> Store | None:
    """The opened store, asking to retry while it cannot be opened; None when the agent gives up."""
    while True:
        try:
            return open_once()
        except UserError as exc:
            if not problem.ask(str(exc)):
                return None


def run_gui(settings: Settings, demo: bool, problem: DatabaseProblem | None = None, contact: str | None = None) -> int:
    """Open the console window with ``settings`` (built once, by ``cli.py``); returns the exit code."""
    app = application()
    crashes = CrashReporter()
    crashes.install()
    store = open_store(make_demo_store if demo else lambda: Store(settings.db_url), problem or DatabaseProblem())
    if store is None:
        return 2
    ctx = AppContext.with_store(store, settings)
    window = MainWindow(ctx, QSettings(), crashes)
    window.open_at_contact = contact
    if demo:
        window.setWindowTitle(f"DND Console (demo database: {store.url.removeprefix('sqlite:///')})")
    window.show()
    code = app.exec()
    window.tasks.shutdown()
    ctx.close()
    return int(code)
