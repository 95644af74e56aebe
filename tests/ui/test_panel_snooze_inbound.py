"""The contact panel's snooze choice (RULES.md "Manual DND with an end") and its inbound toggles ("Inbound DND")."""

from __future__ import annotations

import os

import pytest

from PySide6.QtCore import QDateTime, QPoint, Qt, QTimeZone
from PySide6.QtWidgets import QCheckBox, QToolButton

from console.domain.channels import Channel
from console.domain.events import now_us
from console.store.db import Store
from console.store.history import contact_history
from console.store.inbound import inbound_states
from console.store.models import Contact
from console.store.queries import channel_states
from console.ui.contact_panel import ContactPanel
from console.ui.snooze import END_CHOICES, UntilDialog, short_end
from tests.ui.conftest import People, settle, show

DAY = 86_400_000_000
SHOTS = os.environ.get("DND_SNOOZE_SHOTS")  # a folder: save the renders there




def state(store: Store, contact_id: int, channel: Channel):
    with store.read() as session:
        return channel_states(session, contact_id)[channel].state


def choose(qtbot, panel: ContactPanel, channel: Channel, words: str) -> None:
    """Pick an entry of the channel's "▾" menu, as an agent does."""
    button = panel.findChild(QToolButton, f"end_{channel.value}")
    assert button is not None and button.isEnabled()
    [action] = [a for a in button.menu().actions() if a.text() == words]
    with qtbot.waitSignal(panel.contact_changed):
        action.trigger()
    settle(qtbot, panel._tasks)
    qtbot.waitUntil(lambda: panel.rows[channel].toggle.isEnabled())


def test_the_choice_offers_until_off_a_day_a_week_30_days_and_until(panel: ContactPanel) -> None:
    button = panel.findChild(QToolButton, "end_sms")
    assert button is not None
    assert [a.text() for a in button.menu().actions()] == [
        "Until I turn it off", "For 1 day", "For 1 week", "For 30 days", "Until..."
    ]
    assert [c.words for c in END_CHOICES] == [a.text() for a in button.menu().actions()]


def test_dnd_for_1_week_shows_its_end_and_the_store_keeps_it(
    qtbot, panel: ContactPanel, store: Store, people: People
) -> None:
    show(qtbot, panel, people.clear)
    before = now_us()
    choose(qtbot, panel, Channel.SMS, "For 1 week")
    stored = state(store, people.clear, Channel.SMS)
    assert stored.dnd and stored.until_us is not None
    assert before + 7 * DAY - 60_000_000 <= stored.until_us <= now_us() + 7 * DAY
    row = panel.rows[Channel.SMS]
    assert row.toggle.isChecked()
    assert row.state_label.text().startswith(f"DND until {short_end(stored.until_us)} UTC")
    with store.read() as session:
        contact = session.get(Contact, people.clear)
        assert contact is not None
        assert "Manual DND until" in _reason(contact_history(session, contact)[-1])
    # the same choice again moves nothing; "Until I turn it off" removes the end
    choose(qtbot, panel, Channel.SMS, "Until I turn it off")
    stored = state(store, people.clear, Channel.SMS)
    assert stored.dnd and stored.until_us is None
    assert "until an agent turns it off" in panel.rows[Channel.SMS].state_label.text()


def _reason(entry) -> str:
    from console.ui.history_view import reason_words

    return reason_words(entry)


def test_until_picks_a_moment_and_cancel_changes_nothing(
    qtbot, panel: ContactPanel, store: Store, people: People
) -> None:
    show(qtbot, panel, people.clear)
    panel.ask_until = lambda *_: None
    button = panel.findChild(QToolButton, "end_call")
    [pick] = [a for a in button.menu().actions() if a.text() == "Until..."]
    pick.trigger()
    settle(qtbot, panel._tasks)
    assert not state(store, people.clear, Channel.CALL).dnd
    end = now_us() + 3 * DAY
    end -= end % 60_000_000
    panel.ask_until = lambda *_: end
    choose(qtbot, panel, Channel.CALL, "Until...")
    assert state(store, people.clear, Channel.CALL).until_us == end


def test_the_until_dialog_refuses_a_moment_in_the_past(qtbot) -> None:
    now = now_us()
    dialog = UntilDialog(Channel.SMS, now=now)
    qtbot.addWidget(dialog)
    assert dialog.ok_button.isEnabled() and dialog.until_us() > now
    dialog.picker.setMinimumDateTime(QDateTime.fromSecsSinceEpoch(0, QTimeZone.utc()))
    dialog.picker.setDateTime(QDateTime.fromSecsSinceEpoch(now // 1_000_000 - 3600, QTimeZone.utc()))
    assert not dialog.ok_button.isEnabled() and dialog.problem.isVisibleTo(dialog)
    dialog.accept()
    assert dialog.result() != UntilDialog.DialogCode.Accepted
    dialog.picker.setDateTime(QDateTime.fromSecsSinceEpoch(now // 1_000_000 + 2 * 86_400, QTimeZone.utc()))
    assert dialog.ok_button.isEnabled() and not dialog.problem.isVisibleTo(dialog)
    assert abs(dialog.until_us() - (now + 2 * DAY)) < 60_000_000


def test_only_a_manual_dnd_offers_an_end(qtbot, panel: ContactPanel, people: People) -> None:
    show(qtbot, panel, people.stopped)  # sms permanent
    assert not panel.findChild(QToolButton, "end_sms").isEnabled()
    assert panel.findChild(QToolButton, "end_email").isEnabled()
    show(qtbot, panel, people.texting)  # sms temporary
    assert not panel.findChild(QToolButton, "end_sms").isEnabled()
    show(qtbot, panel, people.manual)  # facebook manual: its end can be set
    assert panel.findChild(QToolButton, "end_facebook").isEnabled()


def test_block_incoming_sets_and_lifts_inbound_dnd_outside_the_badge(
    qtbot, panel: ContactPanel, store: Store, people: People
) -> None:
    show(qtbot, panel, people.clear)
    box = panel.findChild(QCheckBox, "inbound_call")
    assert box is not None and box.isEnabled() and not box.isChecked()
    assert panel.findChild(QCheckBox, "inbound_email") is None  # only sms and call have inbound DND
    with qtbot.waitSignal(panel.contact_changed):
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    settle(qtbot, panel._tasks)
    with store.read() as session:
        assert inbound_states(session, people.clear)[Channel.CALL].state.dnd
        contact = session.get(Contact, people.clear)
        assert contact is not None
        assert contact_history(session, contact)[-1].as_dict()["direction"] == "inbound"  # audited
    qtbot.waitUntil(lambda: box.isEnabled())
    assert box.isChecked() and not state(store, people.clear, Channel.CALL).dnd
    assert panel.badge.text().strip() == "DND: Off"  # not counted in the badge
    with qtbot.waitSignal(panel.contact_changed):
        box.click()
    settle(qtbot, panel._tasks)
    with store.read() as session:
        assert not inbound_states(session, people.clear)[Channel.CALL].state.dnd


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_render_a_snoozed_channel_and_an_inbound_block(
    qtbot, panel: ContactPanel, store: Store, people: People, size: tuple[int, int]
) -> None:
    show(qtbot, panel, people.stopped)
    choose(qtbot, panel, Channel.EMAIL, "For 30 days")
    with qtbot.waitSignal(panel.contact_changed):
        panel.findChild(QCheckBox, "inbound_call").click()
    settle(qtbot, panel._tasks)
    qtbot.waitUntil(lambda: panel.findChild(QCheckBox, "inbound_call").isChecked())
    panel.resize(*size)
    qtbot.wait(50)
    assert panel.rows[Channel.EMAIL].state_label.text().startswith("DND until ")
    for row in panel.rows.values():  # nothing cut off: each explanation fits its box
        assert row.state_label.height() >= row.state_label.heightForWidth(row.state_label.width()) - 1
    if SHOTS:
        panel.grab().save(os.path.join(SHOTS, f"snooze-panel-{size[0]}x{size[1]}.png"))


def test_the_row_turns_off_when_the_end_comes_with_no_job_run(
    qtbot, panel: ContactPanel, store: Store, people: People
) -> None:
    from console.domain.channels import DndKind
    from console.domain.events import Effect, Event, Source, iso_utc
    from console.store.ledger import record_events

    end = now_us() + 1_500_000  # in a second and a half
    with store.write() as session:
        record_events(session, 1, [Event(Source.AGENT, "soon", now_us(), Channel.GMB, Effect.SET, DndKind.MANUAL,
                                         "manual", contact_id=people.clear, detail={"until": iso_utc(end) or ""})],
                      "tester")
    show(qtbot, panel, people.clear)
    assert panel.rows[Channel.GMB].toggle.isChecked()
    with qtbot.waitSignal(panel.contact_changed, timeout=5000):
        pass
    settle(qtbot, panel._tasks)
    qtbot.waitUntil(lambda: not panel.rows[Channel.GMB].toggle.isChecked(), timeout=3000)
    assert panel.rows[Channel.GMB].state_label.text() == "Allowed: not DND"


def test_history_words_say_the_end_and_the_inbound_block(store: Store, people: People) -> None:
    from console.store.actions import set_dnd
    from console.store.inbound import set_inbound
    from console.ui.history_view import change_words, reason_words

    end = now_us() + 3 * DAY
    with store.write() as session:
        contact = session.get(Contact, people.clear)
        assert contact is not None
        set_dnd(session, contact, [Channel.SMS], True, "tester", until_us=end)
        set_inbound(session, contact, [Channel.CALL], True, "tester")
    with store.read() as session:
        contact = session.get(Contact, people.clear)
        assert contact is not None
        snooze, block = contact_history(session, contact)
    assert reason_words(snooze).startswith("Manual DND until ") and " until " in change_words(snooze)
    assert change_words(block) == "Incoming blocked (inbound DND)"
