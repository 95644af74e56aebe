"""The contact list model: counts, pages, filters and sorting done in SQL, on the database worker."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QModelIndex, Qt

import console.ui.contact_model as contact_model
from console.domain.channels import Channel, DndKind
from console.domain.state import Status
from console.store.contact_list import ContactFilter
from console.store.db import Store
from console.ui.contact_model import CONTACT_ID_ROLE, LOADING, STATUS_ROLE, ContactTableModel
from console.ui.taskman import TaskManager
from tests.ui.conftest import People, rows_of, settle


def loaded(qtbot, tasks: TaskManager, flt: ContactFilter) -> ContactTableModel:
    model = ContactTableModel(tasks, None)
    with qtbot.waitSignal(model.count_changed):
        model.set_filter(flt)
    return model


def names(qtbot, model: ContactTableModel, flt: ContactFilter | None = None) -> list[str]:
    if flt is not None:
        with qtbot.waitSignal(model.count_changed):
            model.set_filter(flt)
    return rows_of(qtbot, model)


def test_model_passes_the_qt_model_tester(qtbot, qtmodeltester, tasks: TaskManager, people: People,
                                          location_id: int) -> None:
    model = loaded(qtbot, tasks, ContactFilter(location_id))
    qtmodeltester.check(model)
    assert model.rowCount() == 6
    assert model.columnCount() == 4 + 6


def test_placeholder_rows_while_a_page_loads_then_the_real_rows(
    qtbot, qtmodeltester, tasks: TaskManager, people: People, location_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contact_model, "PAGE_SIZE", 2)  # three pages; the listing brings the first
    model = loaded(qtbot, tasks, ContactFilter(location_id))
    assert model.rowCount() == 6 and model.index(0, 0).data() == "Ann Lee"
    assert model.index(4, 0).data() == LOADING and model.index(4, 1).data() is None
    assert model.index(4, 0).data(CONTACT_ID_ROLE) is None
    assert model.loading  # the page was asked for once, on the worker
    qtmodeltester.check(model)  # placeholders are valid data too
    with qtbot.waitSignal(model.dataChanged) as changed:
        settle(qtbot, tasks)
    first, last = changed.args[0], changed.args[1]
    assert (first.row(), last.row(), last.column()) in {(2, 3, 9), (4, 5, 9)}
    assert rows_of(qtbot, model) == ["Ann Lee", "Bo Chen", "Cara Diaz", "Dev Patel", "Eli Novak", "Fay Ortiz"]
    assert not model.loading
    qtmodeltester.check(model)


def test_status_badge_and_channel_indicators(qtbot, tasks: TaskManager, people: People, location_id: int) -> None:
    model = loaded(qtbot, tasks, ContactFilter(location_id))
    rows = {model.index(r, 0).data(CONTACT_ID_ROLE): r for r in range(model.rowCount())}
    cara = rows[people.stopped]
    assert model.index(cara, 3).data() == "Partial"
    assert model.index(cara, 3).data(STATUS_ROLE) == Status.PARTIAL.value
    sms_column = 4 + model.channels.index(Channel.SMS)
    tip = model.index(cara, sms_column).data(Qt.ItemDataRole.ToolTipRole)
    assert "Replied STOP on 1 Mar 2024" in tip
    assert "locked" in model.index(cara, sms_column).data(Qt.ItemDataRole.AccessibleTextRole)
    assert model.index(rows[people.clear], 3).data() == "Off"


def test_search_by_name_email_and_phone_in_any_format(qtbot, tasks: TaskManager, people: People,
                                                      location_id: int) -> None:
    model = loaded(qtbot, tasks, ContactFilter(location_id))
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
        assert names(qtbot, model, ContactFilter(location_id, search=text)) == expected, text


def test_typing_fast_shows_only_the_last_search(qtbot, tasks: TaskManager, people: People, location_id: int) -> None:
    model = loaded(qtbot, tasks, ContactFilter(location_id))
    for typed in ("o", "or", "ort", "orti", "ortiz"):
        model.set_filter(ContactFilter(location_id, search=typed))
    shown: list[int] = []
    model.count_changed.connect(shown.append)
    assert names(qtbot, model) == ["Fay Ortiz"] and shown == [1]


def test_filters_by_status_channel_and_kind(qtbot, tasks: TaskManager, people: People, location_id: int) -> None:
    model = loaded(qtbot, tasks, ContactFilter(location_id))
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
        assert names(qtbot, model, flt) == expected, flt


def test_sorting_by_column(qtbot, tasks: TaskManager, store: Store, people: People, location_id: int) -> None:
    model = loaded(qtbot, tasks, ContactFilter(location_id))
    with qtbot.waitSignal(model.count_changed):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert names(qtbot, model)[0] == "Fay Ortiz"
    model.sort(4)  # a channel column is not sortable: nothing changes
    assert not model.loading and names(qtbot, model)[0] == "Fay Ortiz"
    with qtbot.waitSignal(model.count_changed):
        model.sort(3)  # the status column sorts contacts without DND first
    assert model.index(0, 3).data() == "Off"
    assert model.rowCount(QModelIndex()) == 6


def test_a_search_matching_very_many_shows_at_once_then_counts_them_all(
    qtbot, qtmodeltester, tasks: TaskManager, people: People, location_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import console.store.contact_search as contact_search
    import console.ui.ops as ops

    monkeypatch.setattr(contact_search, "FEW", 0)  # every search "matches many": rows are tested one by one
    monkeypatch.setattr(ops, "COUNT_AT_ONCE", 2)  # past two matches the list shows before they are all counted
    monkeypatch.setattr(contact_model, "PAGE_SIZE", 2)
    model = loaded(qtbot, tasks, ContactFilter(location_id))
    shown: list[tuple[int, bool]] = []
    model.count_changed.connect(lambda count: shown.append((count, model.counting)))
    with qtbot.waitSignal(model.count_changed):
        model.set_filter(ContactFilter(location_id, search="4155550"))
    assert shown == [(3, True)] and model.rowCount() == 3  # a lower bound: more than two
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    assert shown[1] == (6, False) and model.rowCount() == 6
    qtmodeltester.check(model)
    assert rows_of(qtbot, model) == ["Ann Lee", "Bo Chen", "Cara Diaz", "Dev Patel", "Eli Novak", "Fay Ortiz"]
    assert names(qtbot, model, ContactFilter(location_id, search="lee")) == ["Ann Lee"] and not model.counting


def test_a_listed_manual_dnd_turns_off_in_the_list_when_its_end_comes(
    qtbot, qtmodeltester, tasks: TaskManager, store: Store, people: People, location_id: int
) -> None:
    """No job runs: the model reads the row again once the end of its manual DND has passed."""
    from console.domain.events import Effect, Event, Source, iso_utc, now_us
    from console.store.ledger import record_events

    end = now_us() + 1_200_000  # in a little over a second
    with store.write() as session:
        record_events(session, location_id, [Event(
            Source.AGENT, "soon", now_us(), Channel.GMB, Effect.SET, DndKind.MANUAL, "manual",
            contact_id=people.clear, detail={"until": iso_utc(end) or ""})], "tester")
    model = loaded(qtbot, tasks, ContactFilter(location_id))
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(CONTACT_ID_ROLE) == people.clear)
    assert model.index(row, 3).data(STATUS_ROLE) == Status.PARTIAL
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass  # the end came: the row was read again
    qtbot.waitUntil(lambda: model.index(row, 3).data(STATUS_ROLE) == Status.OFF, timeout=3000)
    qtmodeltester.check(model)
