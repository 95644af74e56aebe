"""Requesting an opt-in review from a locked toggle: the prefilled form, its checks as typed, and the submission."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from console.domain.channels import Channel
from console.domain.evidence import EvidenceKind
from console.domain.reviews import Review, ReviewState
from console.store.db import Store
from console.store.review_queries import get_review, open_review
from console.ui.contact_panel import ContactPanel
from console.ui.review_submission import ReviewSubmissionDialog
from console.ui.taskman import TaskManager
from tests.ui.conftest import BUSINESS, SUBMITTER, VIDEO, People, settle, show, submit


@pytest.fixture
def form(qtbot, tasks_as: Callable[[str], TaskManager], team: People) -> ReviewSubmissionDialog:
    dialog = ReviewSubmissionDialog(tasks_as(SUBMITTER), team.stopped, Channel.SMS)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    return dialog


@pytest.fixture
def panel(qtbot, tasks_as: Callable[[str], TaskManager], team: People) -> ContactPanel:
    widget = ContactPanel(tasks_as(SUBMITTER))
    qtbot.addWidget(widget)
    widget.show()
    return widget



def blocked_reasons(form: ReviewSubmissionDialog) -> str:
    assert not form.submit_button.isEnabled()
    assert form.blockers.isVisible() and form.blockers.text() == form.submit_button.toolTip()
    return form.blockers.text()


def test_only_locked_channels_offer_a_review_and_the_form_is_prefilled(qtbot, panel: ContactPanel,
                                                                        team: People) -> None:
    asked: list[tuple[int, Channel, str | None]] = []
    panel.ask_submission = lambda _parent, tasks, contact_id, channel: asked.append(
        (contact_id, channel, tasks.ctx.settings.actor)
    )
    show(qtbot, panel, team.bounced)  # temporary email DND: the agent lifts it with the toggle
    assert not any(row.review_button.isVisible() for row in panel.rows.values())
    show(qtbot, panel, team.stopped)
    link = panel.rows[Channel.SMS].review_button
    assert link.isVisible() and link.text() == "Request opt-in review..."
    assert [c for c, row in panel.rows.items() if row.review_button.isVisible()] == [Channel.SMS]
    link.click()
    assert asked == [(team.stopped, Channel.SMS, SUBMITTER)]


def test_form_shows_the_contact_and_why_the_channel_is_locked(form: ReviewSubmissionDialog) -> None:
    assert "Cara Diaz" in form.contact_label.text() and "+14155550102" in form.contact_label.text()
    assert "SMS" in form.channel_label.text() and "Replied STOP on 1 Mar 2024" in form.channel_label.text()
    reasons = blocked_reasons(form)
    assert "No evidence link" in reasons and "SMS needs at least one relationship number" in reasons


def test_sms_without_a_relationship_number_cannot_be_submitted(qtbot, form: ReviewSubmissionDialog) -> None:
    qtbot.keyClicks(form.evidence.rows[0].url, VIDEO)
    assert form.evidence.rows[0].problem.text() == "Link accepted"
    reasons = blocked_reasons(form)
    assert "No evidence link" not in reasons and "relationship number" in reasons
    qtbot.keyClicks(form.numbers.edit, "12")
    assert "not a possible phone number: '12'" in form.numbers.check.text()
    assert "not a possible phone number" in blocked_reasons(form)
    form.numbers.edit.setText("(415) 555-9000")
    assert form.numbers.check.text() == f"Will be saved as {BUSINESS}"
    assert form.submit_button.isEnabled() and not form.blockers.isVisible()


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("JaVaScRiPt:alert(1)", "uses javascript:"),
        ("   javascript:alert(1)", "uses javascript:"),
        ("file:///etc/passwd", "uses file:"),
        ("data:text/html,<script>alert(1)</script>", "uses data:"),
        ("ftp://files.example.com/optin.mp4", "uses ftp:"),
        ("https://", "has no host"),
        ("evidence.example.com/optin.mp4", "not an absolute URL"),
    ],
)
def test_refused_links_say_why_as_typed(qtbot, form: ReviewSubmissionDialog, typed: str, why: str) -> None:
    form.numbers.edit.setText(BUSINESS)
    qtbot.keyClicks(form.evidence.rows[0].url, typed)
    problem = form.evidence.rows[0].problem
    assert problem.isVisible() and problem.text().startswith("Refused: ") and why in problem.text()
    assert why in blocked_reasons(form)
    form.submit()  # even when forced, nothing is sent
    settle(qtbot, form._tasks)
    with form._tasks.ctx.store.read() as session:
        assert open_review(session, form.contact_id, Channel.SMS) is None


def test_leading_spaces_around_a_good_link_are_trimmed(qtbot, form: ReviewSubmissionDialog) -> None:
    form.numbers.edit.setText(BUSINESS)
    qtbot.keyClicks(form.evidence.rows[0].url, "   HTTPS://evidence.example.com/optin.mp4  ")
    assert form.submit_button.isEnabled()
    assert [link.url for link in form.evidence.links()] == [VIDEO]


def test_a_good_submission_creates_a_pending_review(qtbot, form: ReviewSubmissionDialog, store: Store) -> None:
    form.numbers.edit.setText("415 555 9000")
    first = form.evidence.rows[0]
    qtbot.keyClicks(first.url, VIDEO)
    first.dated.setChecked(True)
    first.date.setDate(QDate(2024, 3, 5))
    first.note.setText("Front desk recording")
    second = form.evidence.add_row()
    second.url.setText("https://evidence.example.com/form.pdf")
    second.kind.setCurrentIndex(second.kind.findData(EvidenceKind.DOCUMENT.value))
    form.notes.setPlainText("Signed the consent form again")
    with qtbot.waitSignal(form.accepted):
        form.submit_button.click()
    assert form.result() == ReviewSubmissionDialog.DialogCode.Accepted and form.review is not None
    with store.read() as session:
        review = get_review(session, form.review.id)
    assert review.state == ReviewState.PENDING and review.submitted_by == SUBMITTER
    assert review.relationship_numbers == (BUSINESS,)
    assert [(e.url, e.kind, e.captured_on, e.note) for e in review.evidence] == [
        (VIDEO, EvidenceKind.VIDEO, date(2024, 3, 5), "Front desk recording"),
        ("https://evidence.example.com/form.pdf", EvidenceKind.DOCUMENT, None, None),
    ]
    assert review.notes is not None and review.notes.endswith("Signed the consent form again")


def test_a_refusal_by_the_store_stays_in_the_form(qtbot, form: ReviewSubmissionDialog, store: Store) -> None:
    form.numbers.edit.setText(BUSINESS)
    qtbot.keyClicks(form.evidence.rows[0].url, VIDEO)
    existing = submit(store, form.contact_id)  # someone else was quicker
    form.submit_button.click()
    settle(qtbot, form._tasks)
    assert form.error.isVisible() and f"review #{existing}" in form.error.text() and "already open" in form.error.text()
    assert form.result() != ReviewSubmissionDialog.DialogCode.Accepted and form.review is None


def test_after_submitting_the_lock_links_to_the_pending_review(qtbot, panel: ContactPanel, team: People) -> None:
    def fill_and_submit(parent: QWidget | None, tasks: TaskManager, contact_id: int,
                        channel: Channel) -> Review | None:
        dialog = ReviewSubmissionDialog(tasks, contact_id, channel, parent)
        dialog.numbers.edit.setText(BUSINESS)
        dialog.evidence.rows[0].url.setText(VIDEO)
        with qtbot.waitSignal(dialog.accepted):
            dialog.submit()
        return dialog.review

    panel.ask_submission = fill_and_submit
    show(qtbot, panel, team.stopped)
    with qtbot.waitSignal(panel.review_submitted) as submitted:
        panel.rows[Channel.SMS].review_button.click()
    settle(qtbot, panel._tasks)
    review_id = submitted.args[0]
    link = panel.rows[Channel.SMS].review_button
    assert link.text() == f"Review #{review_id} pending" and "open it" in link.toolTip()
    with qtbot.waitSignal(panel.review_requested) as requested:
        link.click()
    assert requested.args == [review_id]


def test_every_control_of_the_form_has_a_name(form: ReviewSubmissionDialog) -> None:
    controls: list[QWidget] = [*form.findChildren(QAbstractButton), *form.findChildren(QLineEdit),
                               *form.findChildren(QComboBox), *form.findChildren(QPlainTextEdit)]
    ours = [w for w in controls if not w.objectName().startswith("qt_") and not isinstance(w.parent(), QComboBox)]
    assert len(ours) >= 10
    assert [type(w).__name__ for w in ours if not w.accessibleName() or not w.objectName()] == []
