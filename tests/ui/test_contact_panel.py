"""The contact panel: each DND kind toggled as the rules allow, locks that explain themselves, DND-all."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox

from console.domain.channels import Channel
from console.store.db import Store
from console.store.locations import set_connected
from console.store.queries import channel_states
from console.ui.contact_panel import ContactPanel
from tests.ui.conftest import People, settle, show


def saved(qtbot, panel: ContactPanel) -> None:
    """The change is saved and the panel shows the stored state again."""
    settle(qtbot, panel._tasks)


def dnd(store: Store, contact_id: int, channel: Channel) -> bool:
    with store.read() as session:
        return channel_states(session, contact_id)[channel].state.dnd


def click(qtbot, box: QCheckBox) -> None:
    """A click on the box's indicator, where an agent clicks."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def toggle(panel: ContactPanel, channel: Channel) -> QCheckBox:
    found = panel.findChild(QCheckBox, f"toggle_{channel.value}")
    assert found is not None
    return found


def test_manual_dnd_on_and_off_with_the_mouse(qtbot, panel: ContactPanel, store: Store, people: People) -> None:
    show(qtbot, panel, people.clear)
    box = toggle(panel, Channel.CALL)
    assert box.isEnabled() and not box.isChecked()
    with qtbot.waitSignal(panel.contact_changed):
        click(qtbot, box)
    saved(qtbot, panel)
    assert dnd(store, people.clear, Channel.CALL) and box.isChecked()
    assert panel.badge.text().strip() == "DND: Partial"
    with qtbot.waitSignal(panel.contact_changed):
        click(qtbot, box)
    assert not dnd(store, people.clear, Channel.CALL)


def test_space_toggles_the_focused_channel(qtbot, panel: ContactPanel, store: Store, people: People) -> None:
    show(qtbot, panel, people.manual)
    box = toggle(panel, Channel.FACEBOOK)
    box.setFocus()
    with qtbot.waitSignal(panel.contact_changed):
        qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not dnd(store, people.manual, Channel.FACEBOOK)


def test_temporary_sms_dnd_lifts_without_a_question(qtbot, panel: ContactPanel, store: Store, people: People) -> None:
    show(qtbot, panel, people.texting)
    panel.ask_clearance = lambda *_: pytest.fail("SMS lifts need no provider clearance")
    with qtbot.waitSignal(panel.contact_changed):
        click(qtbot, toggle(panel, Channel.SMS))
    assert not dnd(store, people.texting, Channel.SMS)


@pytest.mark.parametrize(
    ("who", "channel", "words"),
    [
        ("stopped", Channel.SMS, ["Replied STOP on 1 Mar 2024", "START", "opt-in review"]),
        ("spammer", Channel.EMAIL, ["Marked an email as spam on 1 Mar 2024", "Only an approved opt-in review"]),
    ],
)
def test_locked_toggle_is_disabled_with_a_tooltip_that_says_why(
    qtbot, panel: ContactPanel, store: Store, people: People, who: str, channel: Channel, words: list[str]
) -> None:
    show(qtbot, panel, getattr(people, who))
    box = toggle(panel, channel)
    assert box.isChecked() and not box.isEnabled()
    for word in words:
        assert word in box.toolTip()
    assert panel.rows[channel].state_label.text().startswith("Locked:")


def test_lifting_a_locked_channel_is_refused_with_the_reason(
    qtbot, panel: ContactPanel, store: Store, people: People
) -> None:
    show(qtbot, panel, people.spammer)
    with qtbot.waitSignal(panel.message) as blocker:
        panel._toggle_clicked(Channel.EMAIL, False)  # as if the disabled toggle were forced
    level, text = blocker.args
    assert level == "warning" and "Only an approved opt-in review" in text
    assert dnd(store, people.spammer, Channel.EMAIL)


def test_bounce_lift_asks_for_provider_clearance(qtbot, panel: ContactPanel, store: Store, people: People) -> None:
    asked: list[str | None] = []
    show(qtbot, panel, people.bounced)
    panel.ask_clearance = lambda _parent, address, _state: asked.append(address) or False
    with qtbot.waitSignal(panel.message):
        click(qtbot, toggle(panel, Channel.EMAIL))
    saved(qtbot, panel)
    assert asked == ["bo@example.com"]
    assert dnd(store, people.bounced, Channel.EMAIL) and toggle(panel, Channel.EMAIL).isChecked()

    panel.ask_clearance = lambda *_: True
    with qtbot.waitSignal(panel.contact_changed):
        click(qtbot, toggle(panel, Channel.EMAIL))
    assert not dnd(store, people.bounced, Channel.EMAIL)


def test_dnd_all_on_then_off_leaves_locked_channels_on_and_says_so(
    qtbot, panel: ContactPanel, store: Store, people: People
) -> None:
    show(qtbot, panel, people.stopped)
    assert panel.dnd_all.checkState() == Qt.CheckState.PartiallyChecked
    with qtbot.waitSignal(panel.contact_changed):
        click(qtbot, panel.dnd_all)
    saved(qtbot, panel)
    assert all(dnd(store, people.stopped, c) for c in Channel)
    assert panel.dnd_all.checkState() == Qt.CheckState.Checked
    with qtbot.waitSignal(panel.message) as blocker:
        click(qtbot, panel.dnd_all)
    assert "SMS (Replied STOP on 1 Mar 2024)" in blocker.args[1]
    assert dnd(store, people.stopped, Channel.SMS)
    assert not any(dnd(store, people.stopped, c) for c in Channel if c != Channel.SMS)


def test_disconnected_channel_keeps_its_state_and_is_not_editable(
    qtbot, panel: ContactPanel, store: Store, people: People, location_id: int
) -> None:
    with store.write() as session:
        set_connected(session, location_id, [Channel.FACEBOOK], False)
    show(qtbot, panel, people.manual)
    box = toggle(panel, Channel.FACEBOOK)
    assert box.isChecked() and not box.isEnabled()
    shown = panel.rows[Channel.FACEBOOK].state_label.text()
    assert shown.startswith("Not connected: nothing is sent. Kept: DND (manual)")
    with store.write() as session:
        set_connected(session, location_id, [Channel.FACEBOOK], True)
    with qtbot.waitSignal(panel.loaded):
        panel.reload()
    assert box.isChecked() and box.isEnabled()
