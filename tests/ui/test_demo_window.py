"""The demo database opens in the window and shows every state at once."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from console.domain.channels import DndKind
from console.domain.state import Status
from console.store.contact_list import ContactFilter
from console.ui.app import make_demo_store
from console.ui.contact_model import ContactTableModel
from tests.ui.conftest import open_window


def test_demo_database_shows_every_status_and_kind(qtbot, qtmodeltester, settings: QSettings) -> None:
    store = make_demo_store()
    try:
        window = open_window(qtbot, store, settings)
        assert window.model.rowCount() > 1000
        location = window.filters.location_id
        for flt in [ContactFilter(location, status=s) for s in Status] + [
            ContactFilter(location, kind=k) for k in DndKind
        ]:
            model = ContactTableModel(window.tasks, None)
            with qtbot.waitSignal(model.count_changed):
                model.set_filter(flt)
            assert model.rowCount() > 0, flt
        qtmodeltester.check(window.model)
        assert window.filters.location.count() >= 2
        window.close()
    finally:
        store.dispose()
