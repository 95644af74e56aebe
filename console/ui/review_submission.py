"""The form that asks for a locked channel to be lifted on proof of opt-in (an opt-in review submission)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from console.domain.channels import Channel
from console.domain.explain import explain_lock
from console.domain.reviews import NEEDS_RELATIONSHIP_NUMBER, Review, submission_blockers
from console.ui import ops
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.plain import plain_label
from console.ui.problems import Problems, Retry
from console.ui.review_fields import EvidenceEditor, NotesEdit, RelationshipNumbersField, show_problem
from console.ui.review_sections import contact_words
from console.ui.taskman import TaskManager

BLOCKED_STYLE = "background: #fff4e5; color: #6b3d00; border: 1px solid #b26a00; border-radius: 4px; padding: 6px;"


def blocked_text(action: str, reasons: list[str]) -> str:
    """The visible explanation under a disabled button: what it needs, one reason a line."""
    return f"{action} is not available yet:\n" + "\n".join(f"• {r}" for r in reasons)


class ReviewSubmissionDialog(QDialog):
    """Prefilled with the contact and channel; Submit stays disabled, saying why, until the rules are met."""

    loaded = Signal()

    def __init__(self, tasks: TaskManager, contact_id: int, channel: Channel, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "review_submission_dialog", "Request an opt-in review")
        self.setWindowTitle(f"Request opt-in review: {channel.label}")
        self.resize(720, 560)
        self._tasks = tasks
        self.contact_id, self.channel = contact_id, channel
        self.review: Review | None = None
        self._sending = False
        region = tasks.ctx.region
        self.problems = Problems(self._show_refusal, tasks.problems.crashes, self)
        intro = name_widget(
            plain_label(
                "Attach proof that the contact opted in again (for example a screen recording of the opt-in). "
                "A reviewer other than you checks it; approval lifts the DND.",
                self,
            ),
            "submission_intro",
            "What this is",
        )
        intro.setWordWrap(True)
        self.contact_label = name_widget(plain_label("Loading...", self), "submission_contact", "Contact")
        self.channel_label = name_widget(plain_label(channel.label, self),
                                         "submission_channel", "Channel and why it is locked")
        self.channel_label.setWordWrap(True)
        required = channel in NEEDS_RELATIONSHIP_NUMBER
        self.numbers = RelationshipNumbersField("submission_numbers", region, self)
        self.evidence = EvidenceEditor("submission_evidence", self)
        self.notes = name_widget(NotesEdit(self), "submission_notes", "Notes for the reviewer",
                                 "Tab moves on; Ctrl+Tab types a tab")
        self.notes.setPlaceholderText("How and when the contact opted in again")
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 4 + 12)
        form = QFormLayout()
        form.addRow("Contact:", self.contact_label)
        form.addRow("Channel:", self.channel_label)
        form.addRow("Relationship numbers" + (" (required):" if required else " (optional):"), self.numbers)
        form.addRow("Evidence links:", self.evidence)
        form.addRow("Notes:", self.notes)
        self.blockers = name_widget(plain_label(self), "submission_blockers", "Why Submit is not available")
        self.blockers.setWordWrap(True)
        self.blockers.setStyleSheet(BLOCKED_STYLE)
        self.error = name_widget(plain_label(self), "submission_error", "Submission refused")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = name_widget(QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self),
                                   "submission_buttons", "Submit or cancel")
        self.submit_button = self.buttons.addButton("Submit for review", QDialogButtonBox.ButtonRole.AcceptRole)
        name_widget(self.submit_button, "submit_review", "Submit the opt-in review")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        name_widget(cancel, "cancel_submission", "Cancel without submitting")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.blockers)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for field in (self.numbers, self.evidence):
            field.changed.connect(self.update_blockers)
        self.update_blockers()
        (QueryOp(tasks, lambda ctx: ops.submission_card(ctx, contact_id))
         .reported_by(self.problems)
         .success(self._show_card)
         .run_in_background())

    def _show_card(self, card: ops.ContactCard) -> None:
        self.contact_label.setText(contact_words(card))
        state = card.channels[self.channel].state
        self.channel_label.setText(f"{self.channel.label}: {explain_lock(self.channel, state)}")
        self.loaded.emit()

    def _show_refusal(self, _level: str, text: str, _retry: Retry | None) -> None:
        """Refusals and database problems stay in the form; Submit is the way to try again."""
        show_problem(self.error, f"Not submitted: {text}")

    def reasons(self) -> list[str]:
        """Why the submission cannot be sent now (empty: it can)."""
        return (self.numbers.problems() + self.evidence.problems()
                + submission_blockers(self.channel, self.evidence.links(), self.numbers.numbers()))

    def update_blockers(self) -> None:
        reasons = list(dict.fromkeys(self.reasons()))
        self.submit_button.setEnabled(not reasons and not self._sending)
        tip = blocked_text("Submit", reasons) if reasons else "Send the review to a reviewer"
        self.submit_button.setToolTip(tip)
        self.submit_button.setAccessibleDescription(tip)
        self.blockers.setText(tip if reasons else "")
        self.blockers.setVisible(bool(reasons))

    def submit(self) -> None:
        if self.reasons() or self._sending:
            self.update_blockers()
            return
        contact_id, channel = self.contact_id, self.channel
        links, numbers, notes = self.evidence.links(), self.numbers.numbers(), self.notes.toPlainText()
        self._sending = True
        self.update_blockers()
        self.error.hide()
        (ChangeOp(self._tasks, lambda ctx: ops.submit_review(ctx, contact_id, channel, links, numbers, notes))
         .with_progress("Submitting the review...")
         .reported_by(self.problems)
         .without_retry()
         .success(self._submitted)
         .failure(lambda _error: self._sent())
         .run_in_background())

    def _sent(self) -> None:
        self._sending = False
        self.update_blockers()

    def _submitted(self, review: Review) -> None:
        self._sent()
        self.review = review
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, tasks: TaskManager, contact_id: int, channel: Channel) -> Review | None:
        """The submitted review, or None when the agent cancelled."""
        dialog = cls(tasks, contact_id, channel, parent)
        return dialog.review if dialog.exec() == QDialog.DialogCode.Accepted else None
