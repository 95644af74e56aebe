"""The contact list model: counts, pages, filters and sorting done in SQL."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from console.domain.channels import Channel, DndKind
from console.domain.state import Status
from console.store.contact_list import ContactFilter
from console.store.db import Store
from console.ui.contact_model import CONTACT_ID_ROLE, STATUS_ROLE, ContactTableModel
from tests.ui.conftest import People


def names(model: ContactTableModel) -> list[str]:
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_model_passes_the_qt_model_tester(qtmodeltester, store: Store, people: People, location_id: int) -> None:
    model = ContactTableModel(store, ContactFilter(location_id))
    qtmodeltester.check(model)
    assert model.rowCount() == 6
    assert model.columnCount() == 4 + 6


def test_status_badge_and_channel_indicators(store: Store, people: People, location_id: int) -> None:
    model = ContactTableModel(store, ContactFilter(location_id))
    rows = {model.index(r, 0).data(CONTACT_ID_ROLE): r for r in range(model.rowCount())}
    cara = rows[people.stopped]
    assert model.index(cara, 3).data() == "Partial"
    assert model.index(cara, 3).data(STATUS_ROLE) == Status.PARTIAL.value
    sms_column = 4 + model.channels.index(Channel.SMS)
    tip = model.index(cara, sms_column).data(Qt.ItemDataRole.ToolTipRole)
    assert "Replied STOP on 1 Mar 2024" in tip
    assert "locked" in model.index(cara, sms_column).data(Qt.ItemDataRole.AccessibleTextRole)
    assert model.index(rows[people.clear], 3).data() == "Off"


def test_search_by_name_email_and_phone_in_any_format(store: Store, people: People, location_id: int) -> None:
    model = ContactTableModel(store, ContactFilter(location_id))
    for text, expected in [
        ("lee", ["Ann Lee"]),
        ("ORTIZ", ["Fay Ortiz"]),
        ("cara@", ["Cara Diaz"]),
        ("(415) 555-0102", ["Cara Diaz"]),
        ("415.555.0102", ["Cara Diaz"]),
        ("+1 415 555 0105", ["Fay Ortiz"]),
        ("4155550", ["Ann Lee", "Bo Chen", "Cara Diaz", "Dev Patel", "Eli Novak", "Fay Ortiz"]),
        ("nobody", []),
    ]:
        model.set_filter(ContactFilter(location_id, search=text))
        assert names(model) == expected, text


def test_filters_by_status_channel_and_kind(store: Store, people: People, location_id: int) -> None:
    model = ContactTableModel(store, ContactFilter(location_id))
    cases = [
        (ContactFilter(location_id, status=Status.OFF), ["Ann Lee"]),
        (ContactFilter(location_id, status=Status.ON), []),
        (ContactFilter(location_id, channel=Channel.SMS), ["Cara Diaz", "Fay Ortiz"]),
        (ContactFilter(location_id, kind=DndKind.SPAM), ["Dev Patel"]),
        (ContactFilter(location_id, kind=DndKind.TEMPORARY), ["Bo Chen", "Fay Ortiz"]),
        (ContactFilter(location_id, kind=DndKind.TEMPORARY, channel=Channel.SMS), ["Fay Ortiz"]),
        (ContactFilter(location_id, contact_ids=frozenset({people.manual, people.clear})), ["Ann Lee", "Eli Novak"]),
    ]
    for flt, expected in cases:
        model.set_filter(flt)
        assert names(model) == expected, flt


def test_sorting_by_column(store: Store, people: People, location_id: int, qtbot) -> None:
    model = ContactTableModel(store, ContactFilter(location_id))
    with qtbot.waitSignal(model.count_changed):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert names(model)[0] == "Fay Ortiz"
    model.sort(4)  # a channel column is not sortable: nothing changes
    assert names(model)[0] == "Fay Ortiz"
    model.sort(3)  # the status column sorts contacts without DND first
    assert model.index(0, 3).data() == "Off"
    assert model.rowCount(QModelIndex()) == 6
