"""Adding and editing contacts in the window, and the list's right-click menu."""

from __future__ import annotations

import pytest

from PySide6.QtGui import QGuiApplication

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import get_location
from console.store.models import Contact
from console.store.queries import channel_states
from console.ui.main_window import MainWindow
from tests.ui.conftest import MARCH_1, OFFSCREEN_NOISE, People, settle
from tests.ui.test_trust import HOSTILE, shown


def dnd(store: Store, contact_id: int, channel: Channel) -> bool:
    with store.read() as session:
        return channel_states(session, contact_id)[channel].state.dnd


def dialog_of(qtbot, window: MainWindow):
    qtbot.waitUntil(lambda: window.contact_dialog is not None and window.contact_dialog.isVisible(), timeout=5000)
    return window.contact_dialog


def test_new_contact_in_the_window_gets_the_events_kept_for_its_address(qtbot, window: MainWindow, store: Store,
                                                                        people: People) -> None:
    with store.write() as session:
        loc = get_location(session, None).id
        record_events(session, loc, [Event(source="twilio", key="k9", at_us=MARCH_1, channel=Channel.SMS,
                                           effect=Effect.SET, kind=DndKind.PERMANENT,
                                           reason="sms.opt_out_keyword", address="+14155550999",
                                           detail={"keyword": "STOP"})], "tester")
    window.open_contact_dialog(None)
    dialog = dialog_of(qtbot, window)
    dialog.name.setText(HOSTILE)
    dialog.phone.setText("+1 415 555 0999")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    settle(qtbot, window.tasks)
    with store.read() as session:
        (new,) = [c for c in session.query(Contact).all() if c.name == HOSTILE]
    assert dnd(store, new.id, Channel.SMS)
    qtbot.waitUntil(lambda: window.panel.contact_id == new.id and shown(window.panel.title) == HOSTILE,
                    timeout=5000)
    qtbot.waitUntil(lambda: window.panel.rows[Channel.SMS].state_label.text().startswith("Locked"), timeout=5000)


def test_edit_contact_adds_a_phone_and_a_bad_phone_is_refused_in_the_dialog(qtbot, window: MainWindow,
                                                                             store: Store, people: People) -> None:
    window.open_contact_dialog(people.clear)
    dialog = dialog_of(qtbot, window)
    assert dialog.name.text() == "Ann Lee"
    dialog.phone.setText("not a phone")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.messages.isVisible(), timeout=5000)
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    dialog.phone.setText("")
    dialog.email.setText("ann.lee@example.com")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    settle(qtbot, window.tasks)
    with store.read() as session:
        ann = session.get(Contact, people.clear)
        assert ann is not None and ann.email == "ann.lee@example.com" and ann.phone is None


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support raise\(\)", r"does not support grabbing")  # menus
def test_context_menu_copies_addresses_and_turns_dnd_on_and_off(qtbot, window: MainWindow, store: Store,
                                                                people: People) -> None:
    row = window.model.row_of(people.manual)
    assert row is not None
    facts = window.row_facts(row)
    assert facts is not None and facts.kinds[Channel.FACEBOOK] == DndKind.MANUAL
    window._context_menu(window.table.visualRect(window.model.index(row, 0)).center())
    menu = window.context_menu
    assert menu is not None
    actions = {a.objectName(): a for a in menu.findChildren(type(menu.actions()[0]))}
    actions["menu_copy_email"].trigger()
    assert QGuiApplication.clipboard().text() == "eli@example.com"
    assert not actions["menu_on_facebook"].isEnabled()
    actions["menu_off_facebook"].trigger()
    qtbot.waitUntil(lambda: not dnd(store, people.manual, Channel.FACEBOOK), timeout=5000)
    settle(qtbot, window.tasks)
    menu.close()


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"does not support raise\(\)", r"does not support grabbing")  # menus
def test_context_menu_offers_review_only_for_locked_channels_and_opens_history(qtbot, window: MainWindow,
                                                                               people: People) -> None:
    row = window.model.row_of(people.stopped)
    assert row is not None
    window._context_menu(window.table.visualRect(window.model.index(row, 0)).center())
    menu = window.context_menu
    assert menu is not None
    actions = {a.objectName(): a for a in menu.findChildren(type(menu.actions()[0]))}
    assert "menu_review_sms" in actions and "menu_review_email" not in actions
    assert not actions["menu_off_sms"].isEnabled()
    actions["menu_history"].trigger()
    assert window.tabs.currentWidget() is window.history and window.history.contact_id == people.stopped
    settle(qtbot, window.tasks)
    menu.close()


def test_a_note_typed_with_a_toggle_change_is_shown_in_history(qtbot, window: MainWindow, people: People) -> None:
    window.panel.show_contact(people.clear)
    window.history.show_contact(people.clear)
    qtbot.waitUntil(lambda: window.panel.rows[Channel.FACEBOOK].toggle.isEnabled(), timeout=5000)
    window.panel.note.setText("asked by phone, ticket 4411")
    window.panel.rows[Channel.FACEBOOK].toggle.click()
    qtbot.waitUntil(lambda: window.panel.note.text() == "", timeout=5000)
    settle(qtbot, window.tasks)
    model = window.history.model
    cells = [str(model.index(r, c).data()) for r in range(model.rowCount()) for c in range(model.columnCount())]
    assert any("asked by phone, ticket 4411" in cell for cell in cells), cells
