"""The list fits the screen: every channel header readable at 1280x800, columns stretch, hide and are remembered."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from console.store.db import Store
from console.ui.contact_model import FIXED_COLUMNS
from console.ui.contact_table import ContactTable
from console.ui.main_window import MainWindow
from tests.ui.conftest import open_window, settle


def shot(widget, name: str) -> None:
    """Save a picture of the widget when RENDER_DIR is set (to look at it)."""
    folder = os.environ.get("RENDER_DIR")
    if folder:
        widget.grab().save(os.path.join(folder, f"{name}.png"))


def resized(qtbot, window: MainWindow, width: int, height: int) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width)
    QApplication.processEvents()
    window.table.fit_columns()


def visible_right_edge(table: ContactTable) -> int:
    header = table.horizontalHeader()
    last = max(c for c in range(table.model().columnCount()) if not header.isSectionHidden(c))
    return header.sectionViewportPosition(last) + header.sectionSize(last)


def test_at_1280x800_every_channel_header_is_fully_visible(qtbot, window: MainWindow) -> None:
    resized(qtbot, window, 1280, 800)
    shot(window, "main_1280x800")
    table, header = window.table, window.table.horizontalHeader()
    channels = range(len(FIXED_COLUMNS), table.model().columnCount())
    assert len(channels) == 6
    metrics = header.fontMetrics()
    for column in channels:
        title = table.model().headerData(column, Qt.Orientation.Horizontal)
        assert header.sectionSize(column) >= metrics.horizontalAdvance(title) + 16 + 8, title  # icon and margins
        assert header.sectionSize(column) >= table.header_width(column), title
    assert visible_right_edge(table) <= table.viewport().width(), "the last channel column is cut off"
    for column in range(len(FIXED_COLUMNS)):
        assert header.sectionSize(column) >= 72


def test_on_a_wide_screen_name_and_email_take_the_room(qtbot, window: MainWindow) -> None:
    resized(qtbot, window, 1280, 800)
    narrow = window.table.columnWidth(1)
    resized(qtbot, window, 1920, 1080)
    shot(window, "main_1920x1080")
    table = window.table
    assert table.columnWidth(1) > narrow
    assert abs(visible_right_edge(table) - table.viewport().width()) <= 2  # no empty band on the right


def test_a_long_email_in_the_panel_does_not_squeeze_the_list(qtbot, window: MainWindow, store: Store) -> None:
    from console.store.contacts import add_contact
    from console.store.locations import get_location

    with store.write() as session:
        long = "a.very.long.address.of.someone.at.a.company" * 2 + "@subsidiary.example.com"
        cid = add_contact(session, get_location(session, None).id, "Long Mail", long, None).id
    window.refresh_everything()
    settle(qtbot, window.tasks)
    resized(qtbot, window, 1280, 800)
    before = window.table.width()
    with qtbot.waitSignal(window.panel.loaded):
        window.panel.show_contact(cid)
    QApplication.processEvents()
    assert window.table.width() >= before - 2
    assert visible_right_edge(window.table) <= window.table.viewport().width()


def test_hidden_columns_and_widths_are_remembered(qtbot, store: Store, people, settings: QSettings) -> None:
    window = open_window(qtbot, store, settings)
    menu = window.table.column_menu()
    phone = next(a for a in menu.actions() if a.text() == "Phone")
    phone.setChecked(False)
    assert window.table.isColumnHidden(2)
    window.table.horizontalHeader().resizeSection(5, 140)  # the SMS column, dragged wider
    window.close()
    settle(qtbot, window.tasks)

    again = open_window(qtbot, store, settings)
    assert again.table.isColumnHidden(2)
    assert again.table.columnWidth(5) == 140
    again.model.refresh()  # a new list keeps the layout
    settle(qtbot, again.tasks)
    assert again.table.isColumnHidden(2)
    reset = next(a for a in again.table.column_menu().actions() if a.text() == "Reset columns")
    reset.trigger()
    assert not again.table.isColumnHidden(2)
    again.close()


def test_the_last_visible_column_cannot_be_hidden(qtbot, window: MainWindow) -> None:
    table = window.table
    for column in range(1, table.model().columnCount()):
        table.set_column_hidden(str(table.model().headerData(column, Qt.Orientation.Horizontal)), True)
    (name,) = [a for a in table.column_menu().actions() if a.isCheckable() and a.isChecked()]
    assert name.text() == "Name" and not name.isEnabled()
