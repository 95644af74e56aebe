"""Trust: outside text is shown as stored (never markup), the panel answers "can a message go out" as ``check``
does, and the window says who acts and disables what their role cannot do."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QToolTip

from console.domain.channels import CHANNEL_ORDER, Channel
from console.services import reads
from console.services.context import AppContext, Settings
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.locations import get_location
from console.ui.contact_panel import ContactPanel
from console.ui.main_window import MainWindow
from console.ui.plain import plain_tip
from tests.ui.conftest import ADMIN, OFFSCREEN_NOISE, SUBMITTER, People, open_window, settle, show

HOSTILE = '<h1 style="color:red">APPROVED</h1><a href="https://phish.example/">verify here</a><script>x</script>'


def added(store: Store, name: str, email: str | None, phone: str | None) -> int:
    with store.write() as session:
        return add_contact(session, get_location(session, None).id, name, email, phone).id


def shown(label: QLabel) -> str:
    """What the label renders: its text as a document of its own format."""
    doc = QTextDocument()
    if label.textFormat() == Qt.TextFormat.PlainText:
        doc.setPlainText(label.text())
    else:
        doc.setHtml(label.text())
    return doc.toPlainText()


def rendered_tip(text: str) -> str:
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()




def test_plain_tip_renders_exactly_the_text() -> None:
    assert rendered_tip(plain_tip(HOSTILE)) == HOSTILE
    assert rendered_tip(plain_tip("two\nlines & <b>")) == "two\nlines & <b>"


def test_hostile_name_is_shown_as_stored_in_the_panel(qtbot, panel: ContactPanel, store: Store) -> None:
    contact = added(store, HOSTILE, "hostile@example.com", None)
    show(qtbot, panel, contact)
    assert panel.title.textFormat() == Qt.TextFormat.PlainText
    assert shown(panel.title) == HOSTILE
    for label in panel.findChildren(QLabel):
        if "<" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, r"This plugin does not support raise\(\)")  # offscreen tooltip
def test_hostile_name_is_plain_in_the_window_list_tooltip_and_labels(qtbot, store: Store, people: People,
                                                                    settings) -> None:
    contact = added(store, HOSTILE, "hostile@example.com", None)
    win = open_window(qtbot, store, settings)
    win.filters.search.setText("hostile@")
    win.apply_filters()
    qtbot.waitUntil(lambda: win.model.rowCount() == 1 and win.model.index(0, 0).data() == HOSTILE, timeout=5000)
    win.table.selectRow(0)
    qtbot.waitUntil(lambda: win.panel.contact_id == contact and shown(win.panel.title) == HOSTILE, timeout=5000)
    settle(qtbot, win.tasks)
    for label in win.findChildren(QLabel):
        if HOSTILE in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    # the list's tooltip of the name cell: shown escaped by the application's tooltip filter
    view = win.table
    pos = view.visualRect(win.model.index(0, 0)).center()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(lambda: QToolTip.isVisible(), timeout=2000)
    assert rendered_tip(QToolTip.text()) == HOSTILE
    QToolTip.hideText()
    win.close()


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.CALL, Channel.WHATSAPP])
def test_no_phone_channel_says_no_address_like_check(qtbot, panel: ContactPanel, store: Store,
                                                     channel: Channel) -> None:
    contact = added(store, "Nina Mail", "nina@example.com", None)
    show(qtbot, panel, contact)
    row = panel.rows[channel]
    verdict = reads.check(AppContext.with_store(store, Settings.from_env(db_url=store.url)), contact, channel)
    assert not verdict.decision.allowed and verdict.decision.reason == "no_address"
    assert row.decision == verdict.decision
    assert row.state_label.text() == "No address: no phone number, nothing can be sent"
    assert "Allowed" not in row.state_label.text()
    assert panel.rows[Channel.EMAIL].state_label.text() == "Allowed: not DND"


def test_locked_channel_says_dnd_kind_reason_since_and_until(qtbot, panel: ContactPanel, people: People) -> None:
    show(qtbot, panel, people.stopped)
    text = panel.rows[Channel.SMS].state_label.text()
    assert text.startswith("Locked: DND (permanent), Replied STOP on 1 Mar 2024, until")
    assert not panel.rows[Channel.SMS].toggle.isEnabled()


def test_no_contact_shows_no_channel_state_icons(qtbot, panel: ContactPanel) -> None:
    panel.show_contact(None)
    for channel in CHANNEL_ORDER:
        row = panel.rows[channel]
        assert row.kind_icon.pixmap().isNull() and row.state_label.text() == ""
        assert not row.toggle.isEnabled()


def _window_as(qtbot, monkeypatch, store: Store, settings, actor: str) -> MainWindow:
    monkeypatch.setenv("DND_CONSOLE_ACTOR", actor)
    win = open_window(qtbot, store, settings)
    qtbot.waitUntil(lambda: win.acting is not None, timeout=5000)
    return win


def test_window_shows_the_acting_agent_and_disables_integrations_for_agents(qtbot, monkeypatch, store: Store,
                                                                            team: People, settings) -> None:
    win = _window_as(qtbot, monkeypatch, store, settings, SUBMITTER)
    assert "ana.agent (agent)" in win.windowTitle()
    assert win.acting_label.text() == "Acting as ana.agent (agent), identity claimed, not verified"
    assert not win.integrations_action.isEnabled()
    assert "only an admin can connect or disconnect channels" in win.integrations_action.toolTip()
    win.close()


def test_admin_may_open_integrations(qtbot, monkeypatch, store: Store, team: People, settings) -> None:
    win = _window_as(qtbot, monkeypatch, store, settings, ADMIN)
    assert win.acting_label.text().startswith("Acting as admin (admin)")
    assert win.integrations_action.isEnabled()
    win.close()



def test_provider_clearance_shows_the_address_as_stored_and_cancel_is_the_default(qtbot) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from console.domain.channels import DndKind
    from console.domain.state import ChannelState
    from console.ui.dialogs import ProviderClearanceDialog

    dialog = ProviderClearanceDialog(HOSTILE, ChannelState(dnd=True, kind=DndKind.TEMPORARY, reason="email.bounce"))
    qtbot.addWidget(dialog)
    intro = dialog.findChild(QLabel, "provider_clearance_text")
    assert HOSTILE in shown(intro)
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    assert not dialog.lift_button.isDefault() and not dialog.lift_button.autoDefault()
