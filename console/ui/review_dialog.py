"""The review dialog: what was submitted on the left, what the actor may do on the right, each blocked button
saying why. Every decision goes through the review repository, which checks the same rules again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.domain.explain import explain_lock
from console.domain.reviews import (
    DECIDER_ROLES,
    Decision,
    Review,
    ReviewState,
    decision_blockers,
    update_blockers,
)
from console.domain.state import ChannelState
from console.services.context import AppContext
from console.ui import ops
from console.ui.history_view import HistoryModel
from console.ui.message_bar import MessageBar
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.plain import bold, plain_label
from console.ui.problems import Problems
from console.ui.review_fields import FINE_STYLE, EvidenceEditor, NotesEdit, RelationshipNumbersField
from console.ui.review_model import (
    STATE_COLOURS,
    STATE_WORDS,
    age_words,
    notes_words,
    state_words,
    when_iso,
    when_words,
)
from console.ui.review_sections import (
    EvidenceList,
    StateHistoryList,
    channel_history_table,
    contact_words,
    decision_words,
    grouped_blockers,
    titled,
)
from console.ui.review_submission import BLOCKED_STYLE, blocked_text
from console.ui.taskman import TaskManager

DONE_STYLE = FINE_STYLE + " font-weight: bold;"
NOTHING_TO_ADD = "Nothing to add yet: type a new evidence link, a relationship number or a note"


class ReviewDialog(QDialog):
    """Opened from the Reviews tab or a locked toggle; ``review_changed`` carries the fresh review.

    The review and the actor's role are read once per (re)load on the database worker; the buttons are
    then checked against them as the agent types, without asking the database again."""

    review_changed = Signal(object)
    loaded = Signal()

    def __init__(self, tasks: TaskManager, review_id: int, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "review_dialog", f"Opt-in review #{review_id}")
        self.setWindowTitle(f"Opt-in review #{review_id}")
        self.resize(1080, 700)  # within a 1280x800 screen with its title bar and a panel
        self._tasks, self.review_id = tasks, review_id
        self._actor = ""
        region = tasks.ctx.region
        self.review: Review | None = None
        self._role = "agent"
        self._state: ChannelState | None = None
        self.contact_card: ops.ContactCard | None = None
        self._saving = False
        self.changed_review: Review | None = None
        self.messages = MessageBar(self)
        self.problems = Problems(self.messages.show_message, tasks.problems.crashes, self)
        self.messages.dismissed.connect(self.problems.dismissed)
        self.title = name_widget(plain_label(self), "review_title", "Review and state")
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.contact = name_widget(plain_label(self), "review_contact", "Contact, channel and submitter")
        self.contact.setWordWrap(True)
        self.outcome = name_widget(plain_label(self), "review_outcome", "What was just done")
        self.outcome.setWordWrap(True)
        self.outcome.setStyleSheet(DONE_STYLE)
        self.outcome.hide()
        self.dnd_now = name_widget(plain_label(self), "review_dnd_reason", "The channel's DND now")
        self.dnd_now.setWordWrap(True)
        self.decision = name_widget(plain_label(self), "review_decision", "The last decision and its reason")
        self.decision.setWordWrap(True)
        self.numbers = name_widget(plain_label(self), "review_numbers", "Relationship numbers")
        self.evidence = EvidenceList(self)
        self.notes = name_widget(plain_label(self), "review_notes", "Notes of the submission")
        self.notes.setWordWrap(True)
        self.states = StateHistoryList(self)
        self.history_model = HistoryModel(self)
        self.history = channel_history_table(self.history_model, self)

        self.additions = EvidenceEditor("review_additions", self)
        self.new_numbers = RelationshipNumbersField("review_new_numbers", region, self)
        self.reason = name_widget(NotesEdit(self), "review_reason", "Reason or note",
                                  "Required to reject or to ask for more information. "
                                  "Tab moves on; Ctrl+Tab types a tab")
        self.reason.setPlaceholderText("Required to reject or ask for more information; "
                                       "optional note with an approval or an update")
        self.reason.setFixedHeight(self.reason.fontMetrics().lineSpacing() * 3 + 14)
        self.approve_button = self._button("Approve and lift DND", "approve_review", "Approve the review")
        self.reject_button = self._button("Reject", "reject_review", "Reject the review")
        self.needs_info_button = self._button("Ask for more info", "needs_info_review",
                                              "Send the review back to the submitter")
        self.update_button = self._button("Add to review", "update_review", "Add the links, numbers and note")
        self.close_button = self._button("Close", "close_review", "Close the review")
        self.blockers = name_widget(plain_label(self), "review_blockers", "Why some actions are not available")
        self.blockers.setWordWrap(True)
        self.blockers.setStyleSheet(BLOCKED_STYLE)
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(self.reject_submission)
        self.needs_info_button.clicked.connect(self.ask_for_info)
        self.update_button.clicked.connect(self.update_submission)
        self.close_button.clicked.connect(self.accept)
        for signal in (self.additions.changed, self.new_numbers.changed, self.reason.textChanged):
            signal.connect(self.refresh_actions)
        self._lay_out()
        self.reload()

    def _button(self, text: str, name: str, accessible: str) -> QPushButton:
        """No button of the dialog is a default one: Enter never approves, rejects or closes by itself."""
        button = name_widget(QPushButton(text, self), name, accessible)
        button.setAutoDefault(False)
        button.setDefault(False)
        return button

    def _lay_out(self) -> None:
        submitted = QWidget(self)
        left = QVBoxLayout(submitted)
        left.setContentsMargins(0, 0, 8, 0)
        left.addWidget(self.numbers)
        sections = (("Evidence", self.evidence), ("Notes", self.notes), ("State history", self.states),
                    ("DND history of the channel", self.history))
        for title, widget in sections:
            left.addWidget(titled(title, widget, submitted))
        left.addStretch(1)
        scroll = name_widget(QScrollArea(self), "review_submitted", "What was submitted")
        scroll.setWidget(submitted)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        actions = QGroupBox("Add to this review", self)
        add = QVBoxLayout(actions)
        add.addWidget(plain_label("Evidence links:", actions))
        add.addWidget(self.additions)
        add.addWidget(plain_label("Relationship numbers:", actions))
        add.addWidget(self.new_numbers)
        self.action_panel = name_widget(QWidget(self), "review_actions", "What you can do")
        acting = QVBoxLayout(self.action_panel)
        acting.setContentsMargins(0, 0, 0, 0)
        acting.addWidget(actions)
        reason_label = bold(plain_label("Reason or note", self.action_panel))
        reason_label.setBuddy(self.reason)
        acting.addWidget(reason_label)
        acting.addWidget(self.reason)
        decide = QHBoxLayout()
        for button in (self.approve_button, self.reject_button, self.needs_info_button):
            decide.addWidget(button)
        acting.addLayout(decide)
        acting.addWidget(self.update_button, 0, Qt.AlignmentFlag.AlignLeft)
        right = QVBoxLayout()
        right.addWidget(self.action_panel)
        right.addWidget(self.blockers)
        right.addStretch(1)
        closing = QHBoxLayout()
        closing.addStretch(1)
        closing.addWidget(self.close_button)
        right.addLayout(closing)
        body = QHBoxLayout()
        body.addWidget(scroll, 11)
        body.addLayout(right, 9)
        layout = QVBoxLayout(self)
        for shown in (self.messages, self.outcome, self.title, self.contact, self.dnd_now, self.decision):
            layout.addWidget(shown)
        layout.addLayout(body, 1)

    # -- showing the review

    def reload(self) -> None:
        (QueryOp(self._tasks, lambda ctx: ops.review_card(ctx, self.review_id))
         .with_progress(f"Reading review #{self.review_id}...")
         .reported_by(self.problems)
         .success(self._show)
         .run_in_background())

    def _show(self, card: ops.ReviewCard) -> None:
        review = card.review
        self.review, self._actor, self._role = review, card.actor, card.role
        self._state = card.state
        self.title.setText(f"Opt-in review #{review.id}: {STATE_WORDS[review.state]}")
        self.title.setStyleSheet(f"font-size: 14pt; font-weight: bold; color: {STATE_COLOURS[review.state]};")
        self.contact_card = card.contact
        self.contact.setText(
            f"{contact_words(card.contact)}  ·  {review.channel.label}  ·  submitted by {review.submitted_by} "
            f"{age_words(review.submitted_at_us)} ({when_words(review.submitted_at_us)})"
        )
        self.contact.setToolTip(f"Submitted {when_iso(review.submitted_at_us)}")
        self.dnd_now.setText(f"{review.channel.label} now: {explain_lock(review.channel, card.state)}")
        self.decision.setText(decision_words(review))
        self.decision.setToolTip(f"Decided {when_iso(review.decided_at_us)}" if review.decided_at_us else "")
        self.decision.setVisible(review.decided_by is not None)
        numbers = ", ".join(review.relationship_numbers) or "none"
        self.numbers.setText(f"Relationship numbers: {numbers}")
        self.evidence.show_links(review.evidence)
        self.notes.setText(notes_words(review.notes) if review.notes else "No notes.")
        self.notes.setToolTip(review.notes or "")
        self.states.show_changes(review.changes)
        self.history_model.set_entries(list(card.history))
        self.update_button.setText("Resubmit for review" if review.state == ReviewState.NEEDS_INFO else "Add to review")
        self.action_panel.setVisible(review.state.open)
        self.refresh_actions()
        self.loaded.emit()

    def _blocked(self) -> dict[QPushButton, tuple[str, list[str]]]:
        """Why each action button is not available now (an empty list: it is)."""
        assert self.review is not None
        review, reason = self.review, self.reason.toPlainText()
        links, numbers = self.additions.links(), self.new_numbers.numbers()
        typed = self.additions.problems() + self.new_numbers.problems()
        added = tuple(n for n in numbers if n not in review.relationship_numbers)
        preview = replace(review, relationship_numbers=review.relationship_numbers + added)
        blocked = {d: [state_words(r) for r in decision_blockers(preview, d, self._actor, self._role, reason, links)]
                   for d in Decision}
        nothing = [] if links or added or reason.strip() else [NOTHING_TO_ADD]
        update = [state_words(r) for r in update_blockers(review)] or typed + nothing
        return {
            self.approve_button: ("Approve", typed + blocked[Decision.APPROVE]),
            self.reject_button: ("Reject", blocked[Decision.REJECT]),
            self.needs_info_button: ("Ask for more info", blocked[Decision.NEEDS_INFO]),
            self.update_button: (self.update_button.text(), update),
        }

    def refresh_actions(self) -> None:
        if self.review is None:
            return
        blocked = self._blocked()
        for button, (action, reasons) in blocked.items():
            button.setEnabled(not reasons and not self._saving)
            tip = blocked_text(action, reasons) if reasons else button.accessibleName()
            button.setToolTip(tip)
            button.setAccessibleDescription(tip)
        if self.review.state.open:
            text = self._what_you_can_do(blocked)
        else:
            text = (f"Review #{self.review.id} is {STATE_WORDS[self.review.state].lower()}: "
                    "it can no longer be changed or decided.")
        self.blockers.setText(text)
        self.blockers.setVisible(bool(text))

    def _what_you_can_do(self, blocked: dict[QPushButton, tuple[str, list[str]]]) -> str:
        """Short: when the actor cannot decide (role, four eyes, state), one line saying what they can do and who
        decides; otherwise what each blocked action still needs. Every reason is in its button's tooltip too."""
        assert self.review is not None
        review, decisions = self.review, (self.approve_button, self.reject_button, self.needs_info_button)
        why_not = None
        if self._role not in DECIDER_ROLES:
            why_not = (f"You act as {self._actor} ({self._role}): you can add evidence, relationship numbers and a "
                       "note; a reviewer or an admin approves or rejects.")
        elif self._actor == review.submitted_by:
            why_not = ("You submitted this review: you can add to it; another reviewer or an admin decides "
                       "(four-eyes rule).")
        elif review.state != ReviewState.PENDING:
            why_not = (f"This review is {STATE_WORDS[review.state].lower()}: {review.submitted_by} can add to it "
                       "and resubmit; decisions wait until then.")
        # What is wrong with a typed link or number is said under its field already; "nothing to add" on the
        # button's tooltip: the box keeps to what still needs doing.
        said = set(self.additions.problems() + self.new_numbers.problems() + [NOTHING_TO_ADD])
        shown = {b: (action, [r for r in reasons if r not in said]) for b, (action, reasons) in blocked.items()}
        if why_not is None:
            return grouped_blockers(list(shown.values()))
        rest = grouped_blockers([v for b, v in shown.items() if b not in decisions], heading="")
        return why_not + ("\n" + rest if rest else "")

    # -- acting

    def approval_question(self) -> QMessageBox:
        """Asks before approving: names the contact, the channel and what will be lifted; Cancel is the default."""
        assert self.review is not None
        review, card = self.review, self.contact_card
        lock = explain_lock(review.channel, self._state) if self._state is not None else "its DND"
        lock = lock.split(". ")[0].rstrip(".") + "."  # what it is, not how else it could be lifted
        who = contact_words(card) if card is not None else review.contact_name
        box = QMessageBox(QMessageBox.Icon.Question, "Approve and lift DND?",
                          f"Approve review #{review.id} and lift the {review.channel.label} DND of {who}?\n\n"
                          f"What will be lifted: {lock}\n\n{review.channel.label} messages to this contact will be "
                          "allowed again. The approval is kept in the audit trail.", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the name is outside text: all of it in the plain label
        name_widget(box, "approve_confirm", "Confirm the approval")
        approve = box.addButton("Approve and lift DND", QMessageBox.ButtonRole.AcceptRole)
        name_widget(approve, "approve_confirm_yes", "Approve and lift the DND")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        return box

    def confirm_approval(self) -> bool:
        """True when the reviewer confirms (tests replace this)."""
        box = self.approval_question()
        box.exec()
        return box.clickedButton() is not None and box.buttonRole(box.clickedButton()) == \
            QMessageBox.ButtonRole.AcceptRole

    def approve(self) -> None:
        assert self.review is not None
        if not self.confirm_approval():
            return
        links, note, version = self.additions.links(), self.reason.toPlainText(), self.review.version
        numbers = [n for n in self.new_numbers.numbers() if n not in self.review.relationship_numbers]
        self._run(lambda ctx: ops.approve_review(ctx, self.review_id, links, numbers, note, version),
                  lambda r: f"Review #{r.id} approved: {r.channel.label} DND lifted for {r.contact_name}.")

    def reject_submission(self) -> None:
        assert self.review is not None
        reason, version = self.reason.toPlainText(), self.review.version
        self._run(lambda ctx: ops.reject_review(ctx, self.review_id, reason, version),
                  lambda r: f"Review #{r.id} rejected: {r.channel.label} stays DND.")

    def ask_for_info(self) -> None:
        assert self.review is not None
        reason, version = self.reason.toPlainText(), self.review.version
        self._run(lambda ctx: ops.needs_info_review(ctx, self.review_id, reason, version),
                  lambda r: f"Review #{r.id} sent back to {r.submitted_by} for more information.")

    def update_submission(self) -> None:
        assert self.review is not None
        links, numbers, note = self.additions.links(), self.new_numbers.numbers(), self.reason.toPlainText()
        version, resubmit = self.review.version, self.review.state == ReviewState.NEEDS_INFO
        done = "resubmitted: pending again." if resubmit else "updated."
        self._run(lambda ctx: ops.update_review(ctx, self.review_id, links, numbers, note, version),
                  lambda r: f"Review #{r.id} {done}")

    def _run(self, work: Callable[[AppContext], Review], done: Callable[[Review], str]) -> None:
        """Save on the worker; the buttons wait for it. A refusal or conflict is shown and the review read again."""
        self._saving = True
        self.outcome.hide()
        self.refresh_actions()

        def saved(review: Review) -> None:
            self._saving = False
            self.changed_review = review
            self.additions.clear()
            self.new_numbers.clear()
            self.reason.clear()
            self.reload()
            self.messages.close_message()
            self.outcome.setText(done(review))
            self.outcome.show()
            self.review_changed.emit(review)

        def failed(_error: BaseException) -> None:
            self._saving = False
            self.reload()

        (ChangeOp(self._tasks, work)
         .with_progress("Saving the review...")
         .reported_by(self.problems)
         .success(saved)
         .failure(failed)
         .run_in_background())

    @classmethod
    def ask(cls, parent: QWidget | None, tasks: TaskManager, review_id: int) -> Review | None:
        """Show the review until closed; the review as last changed here, or None when nothing changed."""
        dialog = cls(tasks, review_id, parent)
        dialog.exec()
        return dialog.changed_review
