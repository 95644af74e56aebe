"""Everyday paths of the window: opening at a contact, shortcuts per channel, notes that do not outlive the state,
a message bar that never moves the window, the selection kept across a refresh."""

from __future__ import annotations

from PySide6.QtCore import Qt

from console.domain.channels import Channel
from console.store.db import Store
from console.store.queries import channel_states
from console.ui.crash import CrashReporter
from console.ui.main_window import MainWindow
from tests.ui.conftest import People, settle


def dnd(store: Store, contact_id: int, channel: Channel) -> bool:
    with store.read() as session:
        return channel_states(session, contact_id)[channel].state.dnd


def test_gui_contact_opens_with_the_contact_selected(qtbot, store: Store, people: People, settings) -> None:
    win = MainWindow(store, settings, CrashReporter())
    win.open_at_contact = "cara@example.com"
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.panel.contact_id == people.stopped, timeout=5000)
    qtbot.waitUntil(lambda: bool(win.table.selectionModel().selectedRows()), timeout=5000)
    settle(qtbot, win.tasks)
    (selected,) = win.table.selectionModel().selectedRows()
    assert win.model.contact_id(selected.row()) == people.stopped
    assert win.panel.title.text() == "Cara Diaz"
    assert win.history.contact_id == people.stopped
    win.close()


def test_alt_number_toggles_its_channel_and_alt_0_all(qtbot, window: MainWindow, store: Store,
                                                      people: People) -> None:
    window.panel.show_contact(people.clear)
    qtbot.waitUntil(lambda: window.panel.rows[Channel.FACEBOOK].toggle.isEnabled(), timeout=5000)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=3000)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # Facebook is the 4th channel
    qtbot.waitUntil(lambda: dnd(store, people.clear, Channel.FACEBOOK), timeout=5000)
    settle(qtbot, window.tasks)
    qtbot.waitUntil(lambda: window.panel.dnd_all.isEnabled(), timeout=5000)
    qtbot.keyClick(window.table, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dnd(store, people.clear, Channel.EMAIL), timeout=5000)
    settle(qtbot, window.tasks)


def test_a_note_goes_when_a_change_is_saved_or_another_contact_is_shown(qtbot, window: MainWindow,
                                                                        people: People) -> None:
    window.panel.show_contact(people.clear)
    qtbot.waitUntil(lambda: window.panel.rows[Channel.FACEBOOK].toggle.isEnabled(), timeout=5000)
    window.messages.show_message("info", "Email DND kept: the provider clearance was not confirmed.")
    window.panel.rows[Channel.FACEBOOK].toggle.click()
    qtbot.waitUntil(lambda: not window.messages.isVisible(), timeout=5000)
    settle(qtbot, window.tasks)
    window.messages.show_message("info", "a note about Ann")
    window.panel.show_contact(people.bounced)
    assert not window.messages.isVisible()
    settle(qtbot, window.tasks)


def test_the_message_bar_keeps_its_space_so_the_window_does_not_move(qtbot, window: MainWindow) -> None:
    before = window.main_tabs.geometry().top()
    window.messages.show_message("warning", "Not done: something")
    qtbot.wait(50)
    assert window.main_tabs.geometry().top() == before
    window.messages.close_message()
    qtbot.wait(50)
    assert window.main_tabs.geometry().top() == before


def test_selection_and_history_stay_on_the_contact_after_a_refresh(qtbot, window: MainWindow,
                                                                   people: People) -> None:
    row = window.model.row_of(people.stopped)
    assert row is not None
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.panel.contact_id == people.stopped, timeout=5000)
    window.refresh_everything()  # what an integration change does
    settle(qtbot, window.tasks)
    (selected,) = window.table.selectionModel().selectedRows()
    assert window.model.contact_id(selected.row()) == people.stopped
    assert window.history.contact_id == people.stopped


def test_cli_gui_contact_is_handed_to_the_window(monkeypatch, tmp_path) -> None:
    from click.testing import CliRunner

    import console.ui.app as app
    from console.cli import cli

    seen: list[tuple[bool, str | None]] = []
    monkeypatch.setattr(app, "run_gui", lambda settings, demo, contact=None: seen.append((demo, contact)) or 0)
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'g.db'}", "gui", "--contact", "ann@example.com"])
    assert result.exit_code == 0, result.output
    assert seen == [(False, "ann@example.com")]
