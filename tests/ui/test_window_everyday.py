"""A day at the support desk: copy buttons, one icon per state with a legend, a neutral empty panel, File > Export
list..., keyboard paths, and the selection kept across an integration change."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QWidget

from console.domain.channels import Channel, DndKind
from console.domain.state import ChannelState
from console.services.contact_list import CSV_COLUMNS
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.locations import get_location
from console.ui import export_list
from console.ui.contact_model import CONTACT_ID_ROLE, FIXED_COLUMNS, ICON_ROLE
from console.ui.crash import CrashReporter
from console.ui.dialogs import ProviderClearanceDialog
from console.ui.icons import LEGEND, NO_ADDRESS_ICON, NOT_CONNECTED_ICON, OFF_ICON, icon, list_icon, state_icon_name
from console.ui.import_worker import import_pool
from console.ui.legend import LegendDialog
from console.ui.main_window import MainWindow
from tests.ui.conftest import OFFSCREEN_NOISE, People, open_window, settle

LONG_EMAIL = "a.very.long.mailbox.name.that.goes.on.and.on." * 4 + "x@subdomain.of.a.long.example.com"


@dataclass(frozen=True)
class More:
    people: People
    no_phone: int  # an email, no phone
    long_email: int
    formula: int  # a name a spreadsheet would run


@pytest.fixture
def more(store: Store, people: People) -> More:
    with store.write() as session:
        loc = get_location(session, None).id
        no_phone = add_contact(session, loc, "Gus Webb", "gus@example.com", None).id
        long_email = add_contact(session, loc, "Hal Young", LONG_EMAIL, "+14155550106").id
        formula = add_contact(session, loc, "=HYPERLINK(\"http://x.example\")", "ivy@example.com", None).id
    return More(people, no_phone, long_email, formula)


@pytest.fixture
def win(qtbot, store: Store, more: More, settings: QSettings, crashes: CrashReporter) -> Iterator[MainWindow]:
    window = open_window(qtbot, store, settings, crashes)
    yield window
    window.close()
    import_pool().waitForDone()
    assert crashes.shown == [], crashes.shown[0]


def row_of(window: MainWindow, contact_id: int) -> int:
    return next(r for r in range(window.model.rowCount())
                if window.model.index(r, 0).data(CONTACT_ID_ROLE) == contact_id)


def select(qtbot, window: MainWindow, contact_id: int) -> int:
    row = row_of(window, contact_id)
    with qtbot.waitSignals([window.panel.loaded, window.history.loaded]):
        window.table.selectRow(row)
    settle(qtbot, window.tasks)
    return row


def selected_id(window: MainWindow) -> int | None:
    rows = window.table.selectionModel().selectedRows()
    return window.model.contact_id(rows[0].row()) if len(rows) == 1 else None


# -- 1. copy buttons


def test_copy_buttons_put_the_address_on_the_clipboard_and_say_so(qtbot, win: MainWindow, more: More) -> None:
    select(qtbot, win, more.people.clear)
    clipboard = QGuiApplication.clipboard()
    win.panel.email_line.copy_button.click()
    assert clipboard.text() == "ann@example.com"
    assert win.messages.isVisible() and "Copied the email ann@example.com" in win.messages.text
    win.panel.phone_line.copy_button.click()
    assert clipboard.text() == "+14155550100"
    buttons = (win.panel.email_line.copy_button, win.panel.phone_line.copy_button)

    def lefts() -> set[int]:
        return {button.mapTo(win, button.rect().topLeft()).x() for button in buttons}

    qtbot.waitUntil(lambda: len(lefts()) == 1, timeout=3000)  # the two Copy buttons line up (once laid out)
    assert "Copied the phone +14155550100" in win.messages.text


def test_no_phone_has_no_copy_and_shows_no_address_in_list_and_panel(qtbot, win: MainWindow, more: More) -> None:
    row = select(qtbot, win, more.no_phone)
    assert win.panel.email_line.copy_button.isEnabled()
    assert not win.panel.phone_line.copy_button.isEnabled()
    assert "no phone number" in win.panel.phone_line.value.text()
    for channel in (Channel.SMS, Channel.CALL, Channel.WHATSAPP):
        column = len(FIXED_COLUMNS) + win.model.channels.index(channel)
        assert win.model.index(row, column).data(ICON_ROLE) == NO_ADDRESS_ICON
        assert "no address" in win.model.index(row, column).data(Qt.ItemDataRole.ToolTipRole)
        assert win.panel.rows[channel].icon_name == NO_ADDRESS_ICON
    email_column = len(FIXED_COLUMNS) + win.model.channels.index(Channel.EMAIL)
    assert win.model.index(row, email_column).data(ICON_ROLE) == OFF_ICON


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support raise\(\)", r"does not support grabbing")  # menus
def test_context_menu_copy_says_so(qtbot, win: MainWindow, more: More) -> None:
    row = select(qtbot, win, more.people.bounced)
    rect = win.table.visualRect(win.model.index(row, 0))
    win._context_menu(rect.center())
    menu = win.context_menu
    assert menu is not None
    action = next(a for a in menu.actions() if a.objectName() == "menu_copy_email")
    action.trigger()
    assert QGuiApplication.clipboard().text() == "bo@example.com"
    assert "Copied the email bo@example.com" in win.messages.text
    menu.close()


def test_a_long_email_is_elided_never_widening_the_panel(qtbot, win: MainWindow, more: More) -> None:
    win.resize(1280, 800)
    select(qtbot, win, more.people.clear)
    qtbot.wait(50)
    list_width, panel_width = win.table.width(), win.tabs.width()
    select(qtbot, win, more.long_email)
    qtbot.wait(50)
    assert (win.table.width(), win.tabs.width()) == (list_width, panel_width)
    line = win.panel.email_line
    assert "…" in line.value.text() and line.value.toolTip() == LONG_EMAIL
    assert line.copy_button.geometry().right() <= line.width()
    line.copy_button.click()
    assert QGuiApplication.clipboard().text() == LONG_EMAIL


# -- 2. one icon per state, a legend, the selected row


def test_list_and_panel_show_the_same_icon_for_every_state(qtbot, win: MainWindow, more: More) -> None:
    p = more.people
    for contact_id in (p.clear, p.bounced, p.stopped, p.spammer, p.manual, p.texting, more.no_phone):
        row = select(qtbot, win, contact_id)
        for n, channel in enumerate(win.model.channels):
            listed = win.model.index(row, len(FIXED_COLUMNS) + n).data(ICON_ROLE)
            assert listed == win.panel.rows[channel].icon_name, (contact_id, channel)
    spam_row = row_of(win, p.spammer)
    email_column = len(FIXED_COLUMNS) + win.model.channels.index(Channel.EMAIL)
    assert win.model.index(spam_row, email_column).data(ICON_ROLE) == "kind-spam"
    assert win.panel.rows[Channel.EMAIL].icon_name != "kind-spam"  # the panel shows the last contact selected


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support raise\(\)")
def test_the_legend_explains_every_icon_the_list_and_panel_use(qtbot, win: MainWindow) -> None:
    names = {e.icon for e in LEGEND}
    states = [ChannelState()] + [ChannelState(dnd=True, kind=k) for k in DndKind]
    used = {state_icon_name(c, s, connected, e, ph) for c in Channel for s in states
            for connected in (True, False) for e in (True, False) for ph in (True, False)}
    assert used == names  # nothing shown without a legend line, no legend line for nothing
    assert NOT_CONNECTED_ICON in names and NO_ADDRESS_ICON in names
    strip = win.legend
    assert strip.isVisible()
    shown = {item.objectName().removeprefix("legend_") for item in strip.items}
    assert shown == {e.icon for e in LEGEND if e.in_list}
    win.legend_action.trigger()
    dialog = win.legend_dialog
    assert isinstance(dialog, LegendDialog) and dialog.isVisible()
    assert set(dialog.meanings) == names
    assert "not connected" in dialog.meanings[NOT_CONNECTED_ICON].text().lower()
    assert dialog.meanings[NOT_CONNECTED_ICON].textFormat() == Qt.TextFormat.PlainText
    dialog.close()
    strip.more.click()
    assert win.legend_dialog is dialog and dialog.isVisible()
    dialog.close()


def test_the_legend_strip_fits_a_narrow_list(qtbot, win: MainWindow) -> None:
    win.resize(1280, 800)
    qtbot.wait(50)
    strip = win.legend
    assert strip.more.isVisible() and strip.more.geometry().right() <= strip.width()
    assert all(item.isVisible() for item in strip.items)  # at 1280x800 the whole strip shows
    strip.resize(300, strip.height())
    assert strip.more.isVisibleTo(strip)
    assert not all(item.isVisibleTo(strip) for item in strip.items)
    assert all(item.geometry().right() <= 300 for item in strip.items if item.isVisibleTo(strip))


def near(colour: QColor, wanted: str, tolerance: int = 40) -> bool:
    w = QColor(wanted)
    return abs(colour.red() - w.red()) + abs(colour.green() - w.green()) + abs(colour.blue() - w.blue()) < tolerance


def cell_colours(window: MainWindow, image: QImage, row: int, column: int) -> list[QColor]:
    rect = window.table.visualRect(window.model.index(row, column))
    origin = window.table.viewport().mapTo(window, rect.topLeft())
    ratio = image.devicePixelRatio()
    return [image.pixelColor(int((origin.x() + x) * ratio), int((origin.y() + y) * ratio))
            for x in range(rect.width()) for y in range(rect.height())]


def test_a_selected_row_keeps_its_icons_colours(qtbot, win: MainWindow, more: More) -> None:
    row = select(qtbot, win, more.people.spammer)
    email = len(FIXED_COLUMNS) + win.model.channels.index(Channel.EMAIL)
    sms = len(FIXED_COLUMNS) + win.model.channels.index(Channel.SMS)
    image = win.grab().toImage()
    win.grab().save("/tmp/ui-everyday-selected-row.png")
    spam = cell_colours(win, image, row, email)
    assert any(near(c, "#7b1fa2") for c in spam), "the spam icon is tinted on the selected row"
    off = cell_colours(win, image, row, sms)
    assert any(near(c, "#8a8a8a", 30) for c in off), "the off circle vanished on the selected row"
    other = row_of(win, more.people.clear)
    assert any(near(c, "#8a8a8a", 30) for c in cell_colours(win, image, other, sms))


# -- 3. nobody selected


def test_no_contact_selected_is_a_neutral_empty_state(qtbot, win: MainWindow, more: More) -> None:
    select(qtbot, win, more.people.stopped)
    win.table.clearSelection()
    win.panel.show_contact(None)
    panel = win.panel
    assert panel.title.text() == "No contact selected" and panel.details.isVisible()
    assert "Select a contact" in panel.details.text()
    for row in panel.rows.values():
        assert row.icon_name == "" and row.kind_icon.pixmap().isNull()
        assert row.state_label.text() == "" and not row.toggle.isEnabled()
    for hidden in (panel.email_line, panel.phone_line, panel.dnd_all, panel.note, panel.badge):
        assert not hidden.isVisible()


# -- 4. File > Export list...


def test_export_list_writes_the_filtered_list_as_csv(qtbot, win: MainWindow, more: More, tmp_path: Path) -> None:
    target = tmp_path / "mine.csv"
    asked: list[str] = []

    def ask(_parent: QWidget | None, location: str) -> Path:
        asked.append(location)
        return target

    win.ask_export_path = ask
    win.filters.search.setText("example.com")
    qtbot.waitUntil(lambda: win.model.filter is not None and win.model.filter.search == "example.com", timeout=5000)
    settle(qtbot, win.tasks)
    shown = win.model.rowCount()
    win.export_action.trigger()
    qtbot.waitUntil(lambda: "Exported" in win.messages.text, timeout=5000)
    assert asked == ["Default"]
    with target.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) - 1 == shown
    assert win.messages.text == f"Exported {shown:,} contacts to {target}."
    assert not (tmp_path / "mine.csv.part").exists()
    names = [r[1] for r in rows[1:]]
    assert all("example.com" in r[2] or "example.com" in r[1] for r in rows[1:])
    assert "'=HYPERLINK(\"http://x.example\")" in names  # formula-safe, like contacts list --csv
    by_id = {int(r[0]): r for r in rows[1:]}
    assert by_id[more.people.stopped][CSV_COLUMNS.index("dnd_sms")] == "permanent"


def test_export_only_the_rows_shown(qtbot, win: MainWindow, more: More, tmp_path: Path) -> None:
    target = tmp_path / "spam.csv"
    win.ask_export_path = lambda _parent, _location: target
    win.filters.search.setText("dev@")
    qtbot.waitUntil(lambda: win.model.filter is not None and win.model.filter.search == "dev@", timeout=5000)
    settle(qtbot, win.tasks)
    win.export_action.trigger()
    qtbot.waitUntil(lambda: "Exported" in win.messages.text, timeout=5000)
    assert win.messages.text == f"Exported 1 contact to {target}."
    with target.open(newline="", encoding="utf-8") as f:
        assert [r[1] for r in csv.reader(f)] == ["name", "Dev Patel"]


def test_export_to_an_unwritable_place_says_why(qtbot, win: MainWindow, tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "list.csv"
    win.ask_export_path = lambda _parent, _location: target
    win.export_action.trigger()
    qtbot.waitUntil(lambda: win.messages.level == "error", timeout=5000)
    assert win.messages.text.startswith(f"Cannot write {target}: ")
    assert "Choose another folder" in win.messages.text
    assert not target.exists()


def test_export_cancelled_writes_nothing(qtbot, win: MainWindow, tmp_path: Path) -> None:
    win.ask_export_path = lambda _parent, _location: None
    win.export_action.trigger()
    settle(qtbot, win.tasks)
    assert not win.messages.isVisible() and list(tmp_path.glob("*.csv")) == []


def test_the_export_file_dialog_starts_in_documents_with_a_name_and_csv(monkeypatch, qtbot) -> None:
    seen: dict[str, str] = {}

    def fake(_parent: QWidget | None, caption: str, start: str, filters: str) -> tuple[str, str]:
        seen.update(caption=caption, start=start, filters=filters)
        return str(Path(start).with_name("picked")), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    chosen = export_list.ask_export_path(None, "Main St / 2")
    folder = export_list.start_folder()
    assert folder.is_dir() and Path(seen["start"]).parent == folder
    assert folder in (Path.home(), Path.home() / "Documents") or folder.name == "Documents"
    assert Path(seen["start"]).name == f"contacts-Main-St---2-{date.today().isoformat()}.csv"
    assert "*.csv" in seen["filters"]
    assert chosen == folder / "picked.csv"  # .csv added when no suffix was typed
    assert export_list.default_file_name("Default", date(2026, 12, 1)) == "contacts-Default-2026-12-01.csv"


# -- 5. keyboard


def test_tab_goes_from_the_list_to_the_panel_in_reading_order(qtbot, win: MainWindow, more: More) -> None:
    row = select(qtbot, win, more.people.clear)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    win.table.setFocus()
    qtbot.waitUntil(win.table.hasFocus, timeout=3000)
    qtbot.keyClick(win.table, Qt.Key.Key_Down)  # the list moves by row, the whole row selected
    assert selected_id(win) == win.model.contact_id(row + 1)
    assert len(win.table.selectionModel().selectedIndexes()) == win.model.columnCount()
    qtbot.keyClick(win.table, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: win.panel.contact_id == more.people.clear and win.panel.dnd_all.isEnabled(),
                    timeout=5000)
    settle(qtbot, win.tasks)
    order = []
    for _ in range(8):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        order.append(now.objectName() if now is not None else "")
    # each toggle is followed by its end choice (the "snooze" menu button)
    assert order == ["copy_email", "copy_phone", "dnd_all", "change_note", "toggle_email", "end_email",
                     "toggle_sms", "end_sms"]
    assert ":focus" in win.table.styleSheet()  # the list's focus is drawn


def test_enter_never_lifts_in_the_clearance_question(qtbot) -> None:
    dialog = ProviderClearanceDialog("bo@example.com", ChannelState(dnd=True, kind=DndKind.TEMPORARY))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.confirm_box.setChecked(True)
    assert dialog.lift_button.isEnabled() and not dialog.lift_button.isDefault()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.confirm_box, Qt.Key.Key_Return)


def test_contact_dialog_enter_saves_never_anything_destructive(qtbot, win: MainWindow, more: More) -> None:
    dialog = win._show_contact_dialog(None)
    qtbot.waitExposed(dialog)
    defaults = [b for b in dialog.buttons.buttons() if getattr(b, "isDefault", lambda: False)()]
    roles = {dialog.buttons.buttonRole(b) for b in defaults}
    assert roles <= {QDialogButtonBox.ButtonRole.AcceptRole}  # Save (adds or edits: nothing removed by Enter)
    dialog.reject()


# -- 6. integrations


def test_an_integration_change_keeps_the_selected_contact(qtbot, win: MainWindow, more: More) -> None:
    select(qtbot, win, more.people.bounced)
    select(qtbot, win, more.people.manual)
    dialog = win.open_integrations()
    settle(qtbot, win.tasks)
    with qtbot.waitSignal(dialog.integrations_changed):
        dialog.boxes[Channel.FACEBOOK].click()
    settle(qtbot, win.tasks)
    assert Channel.FACEBOOK not in win.model.channels
    assert selected_id(win) == more.people.manual
    assert win.panel.contact_id == more.people.manual and win.history.contact_id == more.people.manual
    assert win.history.model.rowCount() == 1  # Eli's one change, not Bo's bounce
    assert win.history.model.index(0, 1).data() == "Facebook Messenger"
    with qtbot.waitSignal(dialog.integrations_changed):
        dialog.boxes[Channel.FACEBOOK].click()
    settle(qtbot, win.tasks)
    assert Channel.FACEBOOK in win.model.channels and selected_id(win) == more.people.manual
    dialog.close()


def test_an_integration_change_keeps_a_contact_selected_far_down_the_list(qtbot, store: Store, people: People,
                                                                          settings: QSettings,
                                                                          crashes: CrashReporter) -> None:
    """A contact beyond the first page (the list then has only its first page loaded): selected again."""
    with store.write() as session:
        loc = get_location(session, None).id
        far = [add_contact(session, loc, f"Zed {n:03}", f"zed{n}@example.com", None).id for n in range(450)]
    window = open_window(qtbot, store, settings, crashes)
    try:
        wanted = far[420]
        row = window.model.rowCount() - 450 + 420
        window.table.scrollTo(window.model.index(row, 0))
        qtbot.waitUntil(lambda: window.model.contact_id(row) == wanted, timeout=5000)
        select(qtbot, window, wanted)
        window.table.scrollToTop()  # the agent looks at the top; the selected contact's page may be dropped
        dialog = window.open_integrations()
        settle(qtbot, window.tasks)
        with qtbot.waitSignal(dialog.integrations_changed):
            dialog.boxes[Channel.GMB].click()
        settle(qtbot, window.tasks)
        qtbot.waitUntil(lambda: selected_id(window) == wanted, timeout=5000)
        assert window.panel.contact_id == wanted and window.history.contact_id == wanted
        assert window.panel.title.text() == "Zed 420"
        dialog.close()
    finally:
        window.close()
        import_pool().waitForDone()


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support raise\(\)", r"does not support grabbing")  # menus
def test_shift_f10_opens_the_row_menu_from_the_keyboard(qtbot, win: MainWindow, more: More) -> None:
    row = select(qtbot, win, more.people.stopped)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    win.table.setFocus()
    qtbot.waitUntil(win.table.hasFocus, timeout=3000)
    assert win.table.currentIndex().row() == row
    qtbot.keyClick(win.table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: win.context_menu is not None and win.context_menu.isVisible(), timeout=3000)
    menu = win.context_menu
    assert menu is not None
    review = next(a for a in menu.actions() if a.menu() is not None and a.menu().objectName() == "menu_review")
    assert [a.objectName() for a in review.menu().actions()] == ["menu_review_sms"]  # Cara's locked SMS
    menu.close()
    # the menu took Shift's release: let it go, or the next list selection reads Shift as held (a range select)
    qtbot.keyRelease(win.table, Qt.Key.Key_Shift)
    assert QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier


def test_history_shows_the_current_entry_in_full_under_the_table(qtbot, win: MainWindow, more: More) -> None:
    select(qtbot, win, more.people.clear)
    win.panel.note.setText("asked on the phone, ticket 4411")
    win.panel.rows[Channel.FACEBOOK].toggle.click()
    qtbot.waitUntil(lambda: win.history.model.rowCount() == 1, timeout=5000)
    settle(qtbot, win.tasks)
    win.panel.rows[Channel.FACEBOOK].toggle.click()
    qtbot.waitUntil(lambda: win.history.model.rowCount() == 2, timeout=5000)
    settle(qtbot, win.tasks)
    detail = win.history.detail
    assert detail.textFormat() == Qt.TextFormat.PlainText and detail.wordWrap()
    assert "DND manual → off" in detail.text() and "note:" not in detail.text()  # the newest, by default
    win.history.table.selectRow(1)
    assert "off → DND manual" in detail.text() and "note: asked on the phone, ticket 4411" in detail.text()
    assert "Facebook Messenger" in detail.text() and "by tester" in detail.text()
    select(qtbot, win, more.no_phone)
    assert detail.text() == "No changes yet."


def test_the_list_moves_by_row_never_along_a_row(qtbot, win: MainWindow, more: More) -> None:
    row = select(qtbot, win, more.people.bounced)
    win.table.setFocus()
    win.table.setCurrentIndex(win.model.index(row, 0))
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left):
        qtbot.keyClick(win.table, key)
        assert (win.table.currentIndex().row(), win.table.currentIndex().column()) == (row, 0)
    qtbot.keyClick(win.table, Qt.Key.Key_End)
    assert win.table.currentIndex().row() == win.model.rowCount() - 1
    qtbot.waitUntil(lambda: selected_id(win) == win.model.contact_id(win.model.rowCount() - 1), timeout=3000)
    qtbot.keyClick(win.table, Qt.Key.Key_Home)
    assert (win.table.currentIndex().row(), win.table.currentIndex().column()) == (0, 0)
    settle(qtbot, win.tasks)


def test_list_icons_have_their_own_selected_pixmaps(qtbot) -> None:
    for entry in LEGEND:
        made = list_icon(entry.icon)
        normal = made.pixmap(QSize(16, 16), 1.0, QIcon.Mode.Normal).toImage()
        selected = made.pixmap(QSize(16, 16), 1.0, QIcon.Mode.Selected).toImage()
        assert normal == icon(entry.icon).pixmap(QSize(16, 16), 1.0).toImage()  # the same glyph as the panel's
        assert normal != selected
        assert near(selected.pixelColor(8, 0), "#ffffff", 60)  # the light disc around it
