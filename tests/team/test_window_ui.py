"""The window of a login set up with ``db grant`` (pytest-qt): its import dialog and its bulk change go to the
team's writer and come back as the same summary and preview a desk that writes itself shows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from PySide6.QtCore import Qt

from console.domain.channels import Channel
from console.services import reads
from console.services.context import AppContext, Settings
from console.store.contact_list import ContactFilter
from console.ui import ops
from console.ui.bulk_dialog import BulkDialog, BulkTarget, undo_work, undone_words
from console.ui.crash import CrashReporter
from console.ui.import_dialog import ImportDialog
from console.ui.import_worker import import_pool
from console.ui.taskman import TaskManager
from tests.ui.test_import_dialog import SAMPLES

from .conftest import needs_pg
from .test_enforced_roles import Team, team  # noqa: F401  (the fixture)
from .test_writer_lanes import imports_held, wait_for, writer_children

pytestmark = [pytest.mark.postgres, needs_pg]


@pytest.fixture
def amy(team: Team) -> Iterator[AppContext]:  # noqa: F811
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    ctx = AppContext(Settings(db_url=team.url("amy")))
    try:
        yield ctx
    finally:
        import_pool().waitForDone()
        ctx.close()


def contacts(ctx: AppContext, count: int) -> list[int]:
    location = ops.window_start(ctx).locations[0][0]
    return [ops.save_contact(ctx, location, None, f"User {i}", f"user{i}@example.com", f"+1415555{i:04d}")
            for i in range(count)]


def dnd(ctx: AppContext, contact: int, channel: Channel) -> bool:
    (found,) = reads.status(ctx, contact)
    return found.channel(channel).state.dnd


def test_a_granted_logins_import_dialog_goes_through_the_writer_and_shows_its_summary(
        qtbot, team: Team, amy: AppContext, tmp_path: Path) -> None:  # noqa: F811
    ids = contacts(amy, 3)
    export = tmp_path / "twilio.jsonl"
    export.write_text(
        '{"MessageSid": "SMu1", "From": "+14155550000", "To": "+14155559000", "Body": "STOP"}\n'
        '{"MessageSid": "SMu2", "From": "+14155550001", "To": "+14155559000", "Body": "STOP"}\n'
        '{"MessageSid": "SMu3", "From": "+14155550002", "To": "+14155559000", "Body": "hello"}\n'
        'not json at all\n')
    dialog = ImportDialog(amy, ["Default"], "Default", team.logins["amy"])
    qtbot.addWidget(dialog)
    dialog.set_files([export])
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=90_000) as done:
        dialog.start_button.click()
        qtbot.waitUntil(lambda: "team's writer" in dialog.rate.text() or dialog.job is None, timeout=30_000)
    summary = done.args[0].as_dict()
    assert summary["applied"] == 2 and summary["rejected"] == 1
    shown = dialog.summary.values
    assert shown["applied"].text() == "2" and shown["rejected"].text() == "1"
    assert dialog.summary.rejects.item(0, 0).text() == "twilio.jsonl"
    assert "twilio.jsonl" in dialog.summary.files.text() and "2 DND triggers" in dialog.summary.files.text()
    assert dialog.summary.headline.text().startswith("Import done: 1 file, 4 event records")
    with qtbot.waitSignal(dialog.summary.show_contacts) as opened:
        dialog.summary.open_affected.click()
    assert opened.args[0] == frozenset(ids[:2])
    assert dnd(amy, ids[0], Channel.SMS) and not dnd(amy, ids[2], Channel.SMS)
    history = team.as_("amy", "history", str(ids[0]), "--json").json
    assert [e["actor"] for e in history] == [team.logins["amy"]]


def run_dialog(qtbot, ctx: AppContext, team: Team, paths: list[Path]) -> ImportDialog:  # noqa: F811
    dialog = ImportDialog(ctx, ["Default"], "Default", team.logins["amy"])
    qtbot.addWidget(dialog)
    dialog.set_files(paths)
    with qtbot.waitSignal(dialog.imported, timeout=90_000):
        dialog.start_button.click()
    return dialog


def test_show_affected_after_a_contacts_file_sent_to_the_writer_finds_the_created_and_updated_contacts(
        qtbot, team: Team, amy: AppContext, tmp_path: Path) -> None:  # noqa: F811
    first = run_dialog(qtbot, amy, team, [SAMPLES / "contacts.csv"])
    assert first.summary.open_affected.text() == "Show the 6 contacts this import changed"  # all created, no DND
    with qtbot.waitSignal(first.summary.show_contacts) as created:
        first.summary.open_affected.click()
    assert len(created.args[0]) == 6
    renamed = tmp_path / "contacts.csv"
    renamed.write_text((SAMPLES / "contacts.csv").read_text().replace("Ann,Lee", "Annie,Lee"))
    dialog = run_dialog(qtbot, amy, team, [renamed, SAMPLES / "mailgun-complaints.csv"])
    summary = dialog.summary
    assert summary.open_affected.text() == "Show the 2 contacts this import changed"  # Ann renamed, one complaint
    with qtbot.waitSignal(summary.show_contacts) as opened:
        summary.open_affected.click()
    ids = opened.args[0]
    names = {reads.status(amy, i)[0].contact.name for i in ids}
    assert len(ids) == 2 and "Annie Lee" in names and ids <= created.args[0]


def test_cancel_cancels_the_import_in_the_writer_and_shows_its_summary(
        qtbot, team: Team, amy: AppContext, tmp_path: Path) -> None:  # noqa: F811
    [contact] = contacts(amy, 1)
    export = tmp_path / "stop.jsonl"
    export.write_text('{"MessageSid": "SMc1", "From": "+14155550000", "To": "+14155559000", "Body": "STOP"}\n')
    dialog = ImportDialog(amy, ["Default"], "Default", team.logins["amy"])
    qtbot.addWidget(dialog)
    dialog.set_files([export])
    # the writer's import child waits to begin its batch while it is cancelled
    with imports_held(team), qtbot.waitSignal(dialog.imported, timeout=30_000) as done:
        dialog.start_button.click()
        qtbot.waitUntil(lambda: "team's writer" in dialog.rate.text(), timeout=30_000)
        wait_for(lambda: writer_children(os.getpid()), 30)
        dialog.cancel_button.click()
        assert "Asking the team's writer to cancel the import" in dialog.rate.text()
    summary = done.args[0]
    assert summary.cancelled and summary.as_dict()["records"] == 0
    assert dialog.summary.headline.text().startswith("Import cancelled")
    assert dialog.problem.text() == ""
    wait_for(lambda: not writer_children(os.getpid()), 10)
    assert not dnd(amy, contact, Channel.SMS)  # cancelled in the writer: the STOP was never imported


def test_a_granted_logins_bulk_change_previews_applies_and_undoes_through_the_writer(
        qtbot, team: Team, amy: AppContext) -> None:  # noqa: F811
    ids = contacts(amy, 4)
    ops.set_dnd(amy, ids[0], [Channel.SMS], True, False, None)  # already so
    crashes = CrashReporter()
    tasks = TaskManager(amy)
    tasks.problems.crashes = crashes
    try:
        location = ops.window_start(amy).locations[0][0]
        target = BulkTarget(ContactFilter(location), 4, "4 contacts", ids=tuple(ids))
        dialog = BulkDialog(tasks, target, list(Channel))
        qtbot.addWidget(dialog)
        for channel in (Channel.SMS, Channel.CALL):
            dialog.channel_boxes[channel].setChecked(True)
        dialog.turn_on.setChecked(True)
        dialog.note.setText("carrier asked us to stop")
        with qtbot.waitSignal(tasks.idle, timeout=60_000):
            qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
        assert dialog.preview is not None, dialog.summary.text()
        assert dialog.summary.text().startswith("4 contacts: 4 will change (DND on)")
        rows = {dialog.per_channel.item(r, 0).text(): dialog.per_channel.item(r, 1).text()
                for r in range(dialog.per_channel.rowCount())}
        assert rows == {Channel.SMS.label: "3", Channel.CALL.label: "4"}
        assert not dnd(amy, ids[1], Channel.SMS)  # the preview wrote nothing
        with qtbot.waitSignal(dialog.applied, timeout=60_000) as applied:
            qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        outcome = applied.args[0]
        assert outcome.result.batch is not None and outcome.change.contact_ids == frozenset(ids)
        assert all(dnd(amy, i, Channel.CALL) for i in ids)
        undone = undo_work(amy, outcome.result.batch)
        assert undone.result.reverted == 7 and "Undid batch" in undone_words(undone.result)
        assert not any(dnd(amy, i, Channel.CALL) for i in ids) and dnd(amy, ids[0], Channel.SMS)
    finally:
        tasks.shutdown()
    assert crashes.shown == []
