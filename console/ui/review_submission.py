"""The form that asks for a locked channel to be lifted on proof of opt-in (an opt-in review submission)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.domain.addresses import DEFAULT_REGION
from console.domain.channels import Channel
from console.domain.explain import explain_lock
from console.domain.reviews import NEEDS_RELATIONSHIP_NUMBER, Review, submission_blockers
from console.errors import NotFound, UserError
from console.store.db import Store
from console.store.models import Contact
from console.store.queries import channel_states
from console.store.reviews import submit_review
from console.ui.naming import name_widget
from console.ui.review_fields import EvidenceEditor, RelationshipNumbersField, show_problem
from console.ui.review_sections import contact_words

BLOCKED_STYLE = "background: #fff4e5; color: #6b3d00; border: 1px solid #b26a00; border-radius: 4px; padding: 6px;"


def blocked_text(action: str, reasons: list[str]) -> str:
    """The visible explanation under a disabled button: what it needs, one reason a line."""
    return f"{action} is not available yet:\n" + "\n".join(f"• {r}" for r in reasons)


class ReviewSubmissionDialog(QDialog):
    """Prefilled with the contact and channel; Submit stays disabled, saying why, until the rules are met."""

    def __init__(self, store: Store, contact_id: int, channel: Channel, actor: str,
                 region: str = DEFAULT_REGION, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "review_submission_dialog", "Request an opt-in review")
        self.setWindowTitle(f"Request opt-in review: {channel.label}")
        self.resize(720, 560)
        self._store, self._actor = store, actor
        self.contact_id, self.channel = contact_id, channel
        self.review: Review | None = None
        with store.read() as session:
            contact = session.get(Contact, contact_id)
            if contact is None:
                raise NotFound(f"no contact with id {contact_id}")
            state = channel_states(session, contact_id)[channel].state
            about = contact_words(contact)
        intro = name_widget(
            QLabel(
                "Attach proof that the contact opted in again (for example a screen recording of the opt-in). "
                "A reviewer other than you checks it; approval lifts the DND.",
                self,
            ),
            "submission_intro",
            "What this is",
        )
        intro.setWordWrap(True)
        self.contact_label = name_widget(QLabel(about, self), "submission_contact", "Contact")
        self.channel_label = name_widget(QLabel(f"<b>{channel.label}</b>: {explain_lock(channel, state)}", self),
                                         "submission_channel", "Channel and why it is locked")
        self.channel_label.setWordWrap(True)
        required = channel in NEEDS_RELATIONSHIP_NUMBER
        self.numbers = RelationshipNumbersField("submission_numbers", region, self)
        self.evidence = EvidenceEditor("submission_evidence", self)
        self.notes = name_widget(QPlainTextEdit(self), "submission_notes", "Notes for the reviewer")
        self.notes.setPlaceholderText("How and when the contact opted in again")
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 4 + 12)
        form = QFormLayout()
        form.addRow("Contact:", self.contact_label)
        form.addRow("Channel:", self.channel_label)
        form.addRow("Relationship numbers" + (" (required):" if required else " (optional):"), self.numbers)
        form.addRow("Evidence links:", self.evidence)
        form.addRow("Notes:", self.notes)
        self.blockers = name_widget(QLabel(self), "submission_blockers", "Why Submit is not available")
        self.blockers.setWordWrap(True)
        self.blockers.setStyleSheet(BLOCKED_STYLE)
        self.error = name_widget(QLabel(self), "submission_error", "Submission refused")
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

    def reasons(self) -> list[str]:
        """Why the submission cannot be sent now (empty: it can)."""
        return (self.numbers.problems() + self.evidence.problems()
                + submission_blockers(self.channel, self.evidence.links(), self.numbers.numbers()))

    def update_blockers(self) -> None:
        reasons = list(dict.fromkeys(self.reasons()))
        self.submit_button.setEnabled(not reasons)
        tip = blocked_text("Submit", reasons) if reasons else "Send the review to a reviewer"
        self.submit_button.setToolTip(tip)
        self.submit_button.setAccessibleDescription(tip)
        self.blockers.setText(tip if reasons else "")
        self.blockers.setVisible(bool(reasons))

    def submit(self) -> None:
        if self.reasons():
            self.update_blockers()
            return
        try:
            with self._store.write() as session:
                self.review = submit_review(session, self.contact_id, self.channel, self._actor,
                                            self.evidence.links(), self.numbers.numbers(),
                                            self.notes.toPlainText())
        except UserError as exc:
            show_problem(self.error, f"Not submitted: {exc}")
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, store: Store, contact_id: int, channel: Channel, actor: str,
            region: str = DEFAULT_REGION) -> Review | None:
        """The submitted review, or None when the agent cancelled."""
        dialog = cls(store, contact_id, channel, actor, region, parent)
        return dialog.review if dialog.exec() == QDialog.DialogCode.Accepted else None
