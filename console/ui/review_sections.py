"""Read-only parts of the review dialog: evidence links with a guarded Open button, and the state history."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.domain.evidence import ALLOWED_SCHEMES, EvidenceError, EvidenceLink, is_openable, validate_evidence_url
from console.domain.reviews import Review, StateChange
from console.ui.history_view import HistoryModel
from console.ui.naming import name_widget
from console.ui.plain import bold, plain_label
from console.ui.review_fields import KIND_LABELS, PROBLEM_STYLE
from console.ui.review_model import STATE_WORDS, state_words, when_iso, when_words

SHOWN_URL_LENGTH = 90
#: When, (channel: hidden), change, who, source; the reason takes the rest.
CHANNEL_HISTORY_WIDTHS = (92, 0, 110, 104, 110)


def open_evidence_link(url: str) -> bool:
    """Hand a link to the browser, only when :func:`is_openable` accepts it; True when it was handed over."""
    if not is_openable(url):
        return False
    target = QUrl(validate_evidence_url(url), QUrl.ParsingMode.StrictMode)
    if not target.isValid() or target.scheme().lower() not in ALLOWED_SCHEMES or not target.host():
        return False
    return bool(QDesktopServices.openUrl(target))


class ContactLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...


def contact_words(contact: ContactLike) -> str:
    """E.g. "Ann Lee (#3) · ann@example.com · +14155550100"."""
    return " · ".join(x for x in (f"{contact.name} (#{contact.id})", contact.email, contact.phone) if x)


def why_not_openable(url: str) -> str | None:
    try:
        validate_evidence_url(url)
    except EvidenceError as exc:
        return f"Cannot open: {exc}"
    return None


def shown_url(url: str) -> str:
    return url if len(url) <= SHOWN_URL_LENGTH else url[: SHOWN_URL_LENGTH - 1] + "…"


class EvidenceItem(QFrame):
    """One link: kind, capture date and note above the URL (plain text, never a clickable label link)."""

    def __init__(self, number: int, link: EvidenceLink, parent: Any = None) -> None:
        super().__init__(parent)
        self.link = link
        name_widget(self, f"evidence_item_{number}", f"Evidence {number + 1}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        facts = [KIND_LABELS[link.kind]]
        if link.captured_on:
            facts.append(f"captured {link.captured_on.day} {link.captured_on:%b %Y}")
        self.facts = name_widget(plain_label(" · ".join(facts), self), f"evidence_facts_{number}",
                                 f"Evidence {number + 1}: kind and date")
        self.url = name_widget(plain_label(shown_url(link.url), self), f"evidence_link_{number}",
                               f"Evidence {number + 1}: link")
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url.setToolTip(link.url)
        self.note = name_widget(plain_label(link.note or "", self), f"evidence_note_shown_{number}",
                                f"Evidence {number + 1}: note")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(link.note))
        self.open_button = name_widget(QPushButton("Open", self), f"open_evidence_{number}",
                                       f"Open evidence {number + 1} in the browser")
        self.problem = name_widget(plain_label(self), f"evidence_refused_{number}", f"Evidence {number + 1}: refused")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        refusal = why_not_openable(link.url)
        self.open_button.setEnabled(refusal is None)
        self.open_button.setToolTip(refusal or f"Open {link.url} in the browser")
        self.problem.setText(refusal or "")
        self.problem.setVisible(refusal is not None)
        self.open_button.clicked.connect(self.open)
        # Copy works for every link, openable or not: the reviewer can paste it where it can be looked at safely.
        self.copy_button = name_widget(QPushButton("Copy", self), f"copy_evidence_{number}",
                                       f"Copy evidence {number + 1}'s link")
        self.copy_button.setToolTip(f"Copy {link.url} to the clipboard")
        self.copy_button.setAutoDefault(False)
        self.open_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy)
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        grid = QGridLayout(self)
        grid.addWidget(self.facts, 0, 0)
        grid.addWidget(self.url, 1, 0)
        grid.addWidget(self.note, 2, 0)
        grid.addWidget(self.problem, 3, 0, 1, 2)
        grid.addLayout(buttons, 0, 1, 3, 1)
        grid.setColumnStretch(0, 1)

    def open(self) -> bool:
        """Hand the link to the browser; when that fails, say so and offer Copy."""
        opened = open_evidence_link(self.link.url)
        if not opened and self.open_button.isEnabled():  # an openable link the system could not open
            self.problem.setText("The browser could not open this link. Copy it and open it yourself.")
            self.problem.setVisible(True)
            self.copy_button.setFocus()
        return opened

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.link.url)
        self.copy_button.setText("Copied")
        QTimer.singleShot(2000, self.copy_button, lambda: self.copy_button.setText("Copy"))


class EvidenceList(QWidget):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "review_evidence", "Evidence links")
        self.items: list[EvidenceItem] = []
        self.empty = name_widget(plain_label("No evidence link yet.", self), "no_evidence", "No evidence")
        self.empty.setStyleSheet(PROBLEM_STYLE)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.empty)

    def show_links(self, links: tuple[EvidenceLink, ...]) -> None:
        for item in self.items:
            self._layout.removeWidget(item)
            item.hide()
            item.deleteLater()
        self.items = [EvidenceItem(n, link, self) for n, link in enumerate(links)]
        for item in self.items:
            self._layout.addWidget(item)
        self.empty.setVisible(not self.items)


def change_words(change: StateChange) -> str:
    when = when_words(change.at_us)
    if change.from_state is None:
        text = f"{when}: submitted by {change.by}"
    else:
        text = f"{when}: {STATE_WORDS[change.from_state]} → {STATE_WORDS[change.to_state]} by {change.by}"
    return f"{text}: {change.reason}" if change.reason else text


class StateHistoryList(QListWidget):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "review_state_history", "State history of the review")
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)

    def show_changes(self, changes: tuple[StateChange, ...]) -> None:
        self.clear()
        for change in changes:
            item = QListWidgetItem(change_words(change))
            item.setToolTip(when_iso(change.at_us))
            self.addItem(item)
        self.setCurrentRow(-1)
        rows = max(2, min(len(changes), 5))
        self.setFixedHeight(rows * (self.fontMetrics().lineSpacing() + 6) + 8)


def titled(title: str, widget: QWidget, parent: QWidget) -> QWidget:
    """A small bold heading above a section."""
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 6, 0, 0)
    heading = bold(plain_label(title, box))
    heading.setBuddy(widget)
    layout.addWidget(heading)
    layout.addWidget(widget)
    return box


def channel_history_table(model: HistoryModel, parent: QWidget) -> QTableView:
    """The contact's history of the reviewed channel, newest first (the channel column is hidden)."""
    table = name_widget(QTableView(parent), "review_channel_history", "History of the channel, newest first")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column, width in enumerate(CHANNEL_HISTORY_WIDTHS):
        table.horizontalHeader().resizeSection(column, width)
    table.hideColumn(1)
    table.horizontalHeader().setStretchLastSection(True)
    table.setMinimumHeight(130)
    return table


def grouped_blockers(blocked: list[tuple[str, list[str]]], heading: str = "Not available now:") -> str:
    """One line per reason, naming the actions it blocks: "• Approve, Reject: ..."; empty when none is blocked."""
    actions_of: dict[str, list[str]] = {}
    for action, reasons in blocked:
        for reason in reasons:
            actions_of.setdefault(reason, []).append(action)
    if not actions_of:
        return ""
    lines = [f"• {', '.join(actions)}: {reason}" for reason, actions in actions_of.items()]
    return "\n".join([heading, *lines] if heading else lines)


def decision_words(review: Review) -> str:
    """E.g. "Needs info by rita.reviewer on 2024-03-02 10:00 UTC: please add the date"; empty while undecided."""
    if review.decided_by is None:
        return ""
    text = f"{STATE_WORDS[review.state]} by {review.decided_by} on {when_words(review.decided_at_us)}"
    return f"{text}: {state_words(review.reason)}" if review.reason else text
