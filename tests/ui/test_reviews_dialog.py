"""The review dialog: four eyes, roles, reasons, the needs-info round trip, and links opened only when safe."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from console.domain.channels import Channel
from console.domain.reviews import ReviewState
from console.store.db import Store
from console.store.queries import channel_states
from console.store.review_models import ReviewEvidence, ReviewNumber
from console.store.review_queries import get_review
from console.store.reviews import update_review
from console.ui.review_dialog import ReviewDialog
from console.ui.review_sections import open_evidence_link
from console.ui.taskman import TaskManager
from tests.ui.conftest import ADMIN, BUSINESS, REVIEWER, SUBMITTER, VIDEO, People, settle, submit


@pytest.fixture
def review_id(store: Store, team: People) -> int:
    return submit(store, team.stopped)


@pytest.fixture
def opened(qtbot, tasks_as: Callable[[str], TaskManager]) -> Callable[[str, int], ReviewDialog]:
    def open_as(actor: str, review: int) -> ReviewDialog:
        dialog = ReviewDialog(tasks_as(actor), review)
        dialog.confirm_approval = lambda: True  # the question itself is tested on its own
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.loaded):
            dialog.show()
        QApplication.processEvents()  # widgets added to a shown layout are shown on the next turn of the loop
        return dialog

    return open_as


def press(qtbot, dialog: ReviewDialog, button: QAbstractButton) -> None:
    """Click, then wait for the save and the review read again."""
    button.click()
    settle(qtbot, dialog._tasks)


def sms_locked(store: Store, contact_id: int) -> bool:
    with store.read() as session:
        return channel_states(session, contact_id)[Channel.SMS].state.locked


def explained(dialog: ReviewDialog, button: QAbstractButton, words: str) -> None:
    """Disabled, and the reason is both in the tooltip and in the visible line of text."""
    assert not button.isEnabled()
    assert words in button.toolTip()
    assert dialog.blockers.isVisible() and words in dialog.blockers.text()


def test_shows_the_contact_the_lock_the_numbers_the_evidence_and_the_history(opened, review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    assert dialog.title.text() == f"Opt-in review #{review_id}: Pending"
    assert "Cara Diaz" in dialog.contact.text() and "submitted by ana.agent" in dialog.contact.text()
    assert "Replied STOP on 1 Mar 2024" in dialog.dnd_now.text()
    assert BUSINESS in dialog.numbers.text()
    assert [item.url.text() for item in dialog.evidence.items] == [VIDEO]
    assert dialog.states.item(0).text().endswith("submitted by ana.agent")
    assert dialog.history_model.index(0, 2).data() == "off → DND permanent"
    assert "Signed the form" in dialog.notes.text()


def test_own_submission_cannot_be_approved(opened, store: Store, team: People) -> None:
    own = submit(store, team.stopped, actor=REVIEWER)
    dialog = opened(REVIEWER, own)
    assert "rita.reviewer submitted this review: another reviewer must approve it" in dialog.approve_button.toolTip()
    assert dialog.blockers.text().startswith("You submitted this review: you can add to it; another reviewer")
    dialog.reason.setPlainText("looks fine to me")
    assert not dialog.reject_button.isEnabled() and not dialog.needs_info_button.isEnabled()


def test_an_agent_cannot_decide(qtbot, opened, review_id: int) -> None:
    dialog = opened("tester", review_id)
    assert not dialog.approve_button.isEnabled()
    assert "tester is an agent: only a reviewer or an admin can approve a review" in dialog.approve_button.toolTip()
    dialog.approve()  # forced anyway: the store refuses, the message says why
    settle(qtbot, dialog._tasks)
    assert dialog.messages.level == "error" and "only a reviewer or an admin" in dialog.messages.text


def test_reviewer_approves_and_the_channel_is_lifted(qtbot, opened, store: Store, review_id: int, team: People) -> None:
    dialog = opened(REVIEWER, review_id)
    assert dialog.approve_button.isEnabled() and "Approve" not in dialog.blockers.text()
    with qtbot.waitSignal(dialog.review_changed) as changed:
        press(qtbot, dialog, dialog.approve_button)
    assert changed.args[0].state == ReviewState.APPROVED
    assert not sms_locked(store, team.stopped)
    assert dialog.title.text().endswith("Approved")
    assert dialog.outcome.text() == f"Review #{review_id} approved: SMS DND lifted for Cara Diaz."
    assert dialog.outcome.isVisible() and not dialog.messages.isVisible()
    closers = [b for b in dialog.findChildren(QAbstractButton) if b.text() == "Close" and b.isVisible()]
    assert closers == [dialog.close_button]
    assert dialog.history_model.index(0, 5).data() == f"Lifted by opt-in review #{review_id}, approved by {REVIEWER}"
    assert not dialog.approve_button.isEnabled() and "can no longer be changed" in dialog.blockers.text()
    assert not dialog.action_panel.isVisible()


def test_rejection_needs_a_reason(qtbot, opened, store: Store, review_id: int, team: People) -> None:
    dialog = opened(ADMIN, review_id)
    explained(dialog, dialog.reject_button, "A rejection needs a reason")
    qtbot.keyClicks(dialog.reason, "The recording shows another number")
    assert dialog.reject_button.isEnabled() and "A rejection needs a reason" not in dialog.blockers.text()
    press(qtbot, dialog, dialog.reject_button)
    with store.read() as session:
        review = get_review(session, review_id)
    assert review.state == ReviewState.REJECTED and review.reason == "The recording shows another number"
    assert sms_locked(store, team.stopped)
    assert "Rejected by admin" in dialog.decision.text() and dialog.decision.isVisible()


def test_needs_info_then_the_submitter_resubmits_then_approval(qtbot, opened, store: Store, review_id: int,
                                                               team: People) -> None:
    reviewer = opened(REVIEWER, review_id)
    explained(reviewer, reviewer.needs_info_button, "Asking for more information needs a reason")
    reviewer.reason.setPlainText("Please add the date of the opt-in")
    press(qtbot, reviewer, reviewer.needs_info_button)
    assert reviewer.review is not None and reviewer.review.state == ReviewState.NEEDS_INFO
    assert "sent back to ana.agent" in reviewer.outcome.text()

    submitter = opened(SUBMITTER, review_id)
    assert submitter.update_button.text() == "Resubmit for review"
    assert not submitter.update_button.isEnabled() and "Nothing to add yet" in submitter.update_button.toolTip()
    row = submitter.additions.rows[0]
    qtbot.keyClicks(row.url, "javascript:alert(1)")
    assert not submitter.update_button.isEnabled() and "uses javascript:" in submitter.update_button.toolTip()
    assert "uses javascript:" in row.problem.text() and "uses javascript:" not in submitter.blockers.text()
    row.url.setText("https://evidence.example.com/dated-form.pdf")
    submitter.reason.setPlainText("Signed on 5 March")
    press(qtbot, submitter, submitter.update_button)
    assert submitter.review is not None and submitter.review.state == ReviewState.PENDING
    assert len(submitter.evidence.items) == 2 and "pending again" in submitter.outcome.text()
    assert submitter.states.item(2).text().endswith("Needs info → Pending by ana.agent: Signed on 5 March")

    with qtbot.waitSignal(reviewer.loaded):
        reviewer.reload()
    press(qtbot, reviewer, reviewer.approve_button)
    assert reviewer.review is not None and reviewer.review.state == ReviewState.APPROVED
    assert not sms_locked(store, team.stopped)


def test_sms_without_a_number_blocks_approval_until_one_is_added(qtbot, opened, store: Store, review_id: int,
                                                                 team: People) -> None:
    with store.write() as session:
        session.query(ReviewNumber).filter_by(review_id=review_id).delete()
    dialog = opened(REVIEWER, review_id)
    explained(dialog, dialog.approve_button, "SMS needs at least one relationship number")
    qtbot.keyClicks(dialog.new_numbers.edit, "415 555 9000")
    assert dialog.approve_button.isEnabled()
    press(qtbot, dialog, dialog.approve_button)
    assert dialog.review is not None and dialog.review.relationship_numbers == (BUSINESS,)
    assert dialog.review.state == ReviewState.APPROVED and not sms_locked(store, team.stopped)


def test_no_evidence_blocks_approval_until_the_reviewer_attaches_a_link(qtbot, opened, store: Store,
                                                                        review_id: int) -> None:
    with store.write() as session:
        session.query(ReviewEvidence).filter_by(review_id=review_id).delete()
    dialog = opened(REVIEWER, review_id)
    assert dialog.evidence.empty.isVisible()
    explained(dialog, dialog.approve_button, "No evidence link")
    qtbot.keyClicks(dialog.additions.rows[0].url, "https://evidence.example.com/call.mp3")
    assert dialog.approve_button.isEnabled()
    press(qtbot, dialog, dialog.approve_button)
    assert dialog.review is not None and dialog.review.state == ReviewState.APPROVED
    assert [e.url for e in dialog.review.evidence] == ["https://evidence.example.com/call.mp3"]


def test_a_change_by_someone_else_is_a_conflict_shown_as_a_message(qtbot, opened, store: Store,
                                                                   review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    with store.write() as session:
        update_review(session, review_id, SUBMITTER, note="one more thing")
    dialog.reason.setPlainText("Not convincing")
    press(qtbot, dialog, dialog.reject_button)
    assert dialog.messages.level == "warning" and "changed a moment ago" in dialog.messages.text
    assert dialog.review is not None and dialog.review.state == ReviewState.PENDING and dialog.review.version == 2
    assert "one more thing" in dialog.notes.text()


BAD_LINKS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "file:///etc/passwd",
             "data:text/html,hi", "https://", "ftp://files.example.com/a"]


def test_open_hands_only_http_and_https_links_to_the_browser(
    opened, store: Store, review_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: handed.append(QUrl(url).toString()) or True)
    with store.write() as session:  # as if written by an older or tampered client: the window must still refuse
        for url in [*BAD_LINKS, "http://evidence.example.com/plain.png"]:
            session.add(ReviewEvidence(review_id=review_id, url=url, kind="other", added_by="x", added_at_us=1))
    dialog = opened(REVIEWER, review_id)
    items = {item.link.url: item for item in dialog.evidence.items}
    for url in BAD_LINKS:
        item = items[url]
        assert not item.open_button.isEnabled() and item.open_button.toolTip().startswith("Cannot open: ")
        assert item.problem.isVisible() and item.problem.text() == item.open_button.toolTip()
        assert item.open() is False and open_evidence_link(url) is False
    assert "only https:// and http:// links" in items["JaVaScRiPt:alert(1)"].problem.text()
    for url in (VIDEO, "http://evidence.example.com/plain.png"):
        assert items[url].open_button.isEnabled()
        items[url].open_button.click()
    assert handed == [VIDEO, "http://evidence.example.com/plain.png"]
    assert all(QUrl(u).scheme() in ("http", "https") for u in handed)
    explained(dialog, dialog.approve_button, "uses javascript:")


def test_every_control_of_the_dialog_has_a_name(opened, review_id: int) -> None:
    dialog = opened(REVIEWER, review_id)
    controls: list[QWidget] = [*dialog.findChildren(QAbstractButton), *dialog.findChildren(QLineEdit),
                               *dialog.findChildren(QComboBox), *dialog.findChildren(QPlainTextEdit)]
    ours = [w for w in controls if not w.objectName().startswith("qt_") and not isinstance(w.parent(), QComboBox)]
    assert len(ours) >= 12
    assert [type(w).__name__ for w in ours if not w.accessibleName() or not w.objectName()] == []


def test_ask_returns_the_changed_review_or_none(qtbot, tasks_as: Callable[[str], TaskManager],
                                                review_id: int) -> None:
    tasks = tasks_as(REVIEWER)

    def decide_then_close() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReviewDialog)
        qtbot.waitUntil(lambda: dialog.review is not None)
        dialog.reason.setPlainText("Which number?")
        with qtbot.waitSignal(dialog.review_changed):
            dialog.needs_info_button.click()
        dialog.close_button.click()

    QTimer.singleShot(0, decide_then_close)
    changed = ReviewDialog.ask(None, tasks, review_id)
    assert changed is not None and changed.state == ReviewState.NEEDS_INFO
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().close())
    assert ReviewDialog.ask(None, tasks, review_id) is None


def test_an_evidence_link_the_browser_cannot_open_says_so_and_offers_copy(
    opened, review_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QGuiApplication

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda _url: False)  # no browser on this desk
    dialog = opened(REVIEWER, review_id)
    item = next(i for i in dialog.evidence.items if i.link.url == VIDEO)
    assert not item.problem.isVisible()
    item.open_button.click()
    assert item.problem.isVisible() and "could not open this link" in item.problem.text()
    assert item.problem.textFormat() == Qt.TextFormat.PlainText
    item.copy_button.click()
    assert QGuiApplication.clipboard().text() == VIDEO and item.copy_button.text() == "Copied"
    refused = [i for i in dialog.evidence.items if not i.open_button.isEnabled()]
    assert all(i.copy_button.isEnabled() for i in refused)  # a link that is never opened can still be copied
