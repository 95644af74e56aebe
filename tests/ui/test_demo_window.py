"""The demo database opens in the window and shows every state at once."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from console.domain.channels import DndKind
from console.domain.state import Status
from console.store.contact_list import ContactFilter
from console.ui.app import make_demo_store
from console.ui.contact_model import ContactTableModel
from console.ui.crash import CrashReporter
from console.ui.main_window import MainWindow


def test_demo_database_shows_every_status_and_kind(qtbot, qtmodeltester, settings: QSettings) -> None:
    store = make_demo_store()
    try:
        window = MainWindow(store, settings, CrashReporter())
        qtbot.addWidget(window)
        assert window.model.rowCount() > 1000
        location = window.filters.location_id
        for flt in [ContactFilter(location, status=s) for s in Status] + [
            ContactFilter(location, kind=k) for k in DndKind
        ]:
            assert ContactTableModel(store, flt).rowCount() > 0, flt
        qtmodeltester.check(window.model)
        assert window.filters.location.count() >= 2
    finally:
        store.dispose()
