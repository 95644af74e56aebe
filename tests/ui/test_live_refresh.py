"""Another console's change shows in this window's list and contact panel within two seconds."""

from __future__ import annotations

import pytest

from console.domain.channels import Channel
from console.store.actions import set_dnd
from console.store.changes import Change
from console.store.db import Store
from console.store.models import Contact
from console.ui.contact_model import CONTACT_ID_ROLE
from console.ui.main_window import MainWindow
from tests.ui.conftest import People


def row_of(window: MainWindow, contact_id: int) -> int:
    return next(
        r for r in range(window.model.rowCount()) if window.model.index(r, 0).data(CONTACT_ID_ROLE) == contact_id
    )


def test_a_change_by_another_console_shows_in_the_list_and_panel_within_two_seconds(
    qtbot, window: MainWindow, store: Store, people: People
) -> None:
    row = row_of(window, people.clear)
    with qtbot.waitSignal(window.panel.loaded):
        window.table.selectRow(row)
    assert window.model.index(row, 3).data() == "Off"
    assert window.live is not None
    qtbot.waitUntil(lambda: window.live is not None and window.live.feed is not None)
    assert window.live.timer.isActive()
    other = Store(store.url)  # a second console on the same database file
    try:
        with other.write() as session:
            contact = session.get(Contact, people.clear)
            assert contact is not None
            set_dnd(session, contact, [Channel.CALL], True, "someone-else")
        qtbot.waitUntil(lambda: window.model.index(row, 3).data() == "Partial", timeout=2000)
        qtbot.waitUntil(lambda: window.panel.rows[Channel.CALL].toggle.isChecked(), timeout=2000)
    finally:
        other.dispose()


def test_changes_of_other_locations_are_ignored_and_integration_changes_reload_everything(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(window, "refresh_everything", lambda: calls.append("everything"))
    live = window.live
    assert live is not None
    live._everything = window.refresh_everything  # the callback bound at start-up
    live._rows = lambda ids: calls.append(f"rows {sorted(ids) if ids is not None else None}")
    live.apply([Change("dnd", location_id=999, contact_ids=frozenset({1}))])
    assert calls == []
    live.apply([Change("dnd", location_id=1, contact_ids=frozenset({2, 1}))])
    live.apply([Change("any")])
    live.apply([Change("integrations", location_id=1)])
    assert calls == ["rows [1, 2]", "rows None", "everything"]
