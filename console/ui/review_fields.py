"""Fields of an opt-in review that check themselves as they are typed: evidence links and relationship numbers."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.domain.addresses import DEFAULT_REGION
from console.domain.evidence import EvidenceError, EvidenceKind, EvidenceLink
from console.domain.reviews import normalize_relationship_number
from console.ui.naming import name_widget
from console.ui.plain import plain_label

PROBLEM_STYLE = "color: #c62828;"
FINE_STYLE = "color: #2e7d32;"
KIND_LABELS: dict[EvidenceKind, str] = {
    EvidenceKind.VIDEO: "Video",
    EvidenceKind.SCREENSHOT: "Screenshot",
    EvidenceKind.DOCUMENT: "Document",
    EvidenceKind.OTHER: "Other",
}
_NUMBER_SEPARATORS = re.compile(r"[,;\n]+")


def show_problem(label: QLabel, problem: str | None, fine: str = "") -> None:
    """A red line with what is wrong, or a quiet green one (or nothing) when all is well.

    A :func:`check_line` keeps its place when empty, so the fields below never move under the pointer."""
    text = problem or fine
    label.setText(text)
    label.setToolTip(text)
    label.setStyleSheet(PROBLEM_STYLE if problem else FINE_STYLE)
    if label.property("reserved"):
        label.show()
    else:
        label.setVisible(bool(text))


def check_line(label: QLabel) -> QLabel:
    """A one-line check under a field whose room is always kept: showing or clearing it never shifts the form.
    Longer text is cut at the field's width; the whole of it is in the tooltip."""
    label.setWordWrap(False)
    label.setProperty("reserved", True)
    label.setFixedHeight(label.fontMetrics().height() + 2)
    policy = label.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    label.setSizePolicy(policy)
    label.setText("")
    return label


class NotesEdit(QPlainTextEdit):
    """Notes and reasons: Tab and Shift+Tab move to the next or previous control, Ctrl+Tab types a tab."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Tab and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.insertPlainText("\t")
            event.accept()
            return
        super().keyPressEvent(event)


class EvidenceRow(QWidget):
    """One link: URL, kind, optional capture date, note; the URL is checked on every key."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, number: int, parent: Any = None) -> None:
        super().__init__(parent)
        n = number
        name_widget(self, f"evidence_row_{n}", f"Evidence link {n + 1}")
        self.url = name_widget(QLineEdit(self), f"evidence_url_{n}", f"Evidence link {n + 1}: URL",
                               "An https:// or http:// link to proof of the opt-in")
        self.url.setPlaceholderText("https://... (screen recording, screenshot, signed form)")
        self.kind = name_widget(QComboBox(self), f"evidence_kind_{n}", f"Evidence link {n + 1}: kind")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.dated = name_widget(QCheckBox("Captured on", self), f"evidence_dated_{n}",
                                 f"Evidence link {n + 1}: give a capture date")
        self.date = name_widget(QDateEdit(self), f"evidence_date_{n}", f"Evidence link {n + 1}: capture date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
        self.date.setMaximumDate(QDate.currentDate())
        self.date.setDate(QDate.currentDate())
        self.date.setEnabled(False)
        self.note = name_widget(QLineEdit(self), f"evidence_note_{n}", f"Evidence link {n + 1}: note")
        self.note.setPlaceholderText("Note (optional): what the link shows")
        self.remove = name_widget(QPushButton("Remove", self), f"evidence_remove_{n}",
                                  f"Remove evidence link {n + 1}")
        self.problem = check_line(name_widget(plain_label(self), f"evidence_problem_{n}",
                                              f"Evidence link {n + 1}: check"))
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.url, 0, 0, 1, 3)
        grid.addWidget(self.kind, 0, 3)
        grid.addWidget(self.remove, 0, 4)
        grid.addWidget(self.dated, 1, 0)
        grid.addWidget(self.date, 1, 1)
        grid.addWidget(self.note, 1, 2, 1, 3)
        grid.addWidget(self.problem, 2, 0, 1, 5)
        grid.setColumnStretch(2, 1)
        self.url.textChanged.connect(self._check)
        self.note.textChanged.connect(lambda _t: self.changed.emit())
        self.kind.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.dated.toggled.connect(self.date.setEnabled)
        self.dated.toggled.connect(lambda _on: self.changed.emit())
        self.date.dateChanged.connect(lambda _d: self.changed.emit())
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    @property
    def empty(self) -> bool:
        return not self.url.text().strip() and not self.note.text().strip()

    def link(self) -> EvidenceLink | None:
        """The checked link, or None when the row is empty or its URL is refused."""
        if self.empty:
            return None
        try:
            return self._checked()
        except EvidenceError:
            return None

    def problem_text(self) -> str | None:
        if self.empty:
            return None
        try:
            self._checked()
        except EvidenceError as exc:
            return str(exc)
        return None

    def _checked(self) -> EvidenceLink:
        picked = self.date.date()
        captured = date(picked.year(), picked.month(), picked.day()) if self.dated.isChecked() else None
        return EvidenceLink.checked(self.url.text(), str(self.kind.currentData()), captured, self.note.text())

    def _check(self) -> None:
        problem = self.problem_text()
        show_problem(self.problem, problem and f"Refused: {problem}",
                     "Link accepted" if not problem and not self.empty else "")
        self.changed.emit()


class EvidenceEditor(QWidget):
    """Any number of evidence links; empty rows are ignored, refused ones say why."""

    changed = Signal()

    def __init__(self, name: str, parent: Any = None, rows: int = 1) -> None:
        super().__init__(parent)
        name_widget(self, name, "Evidence links")
        self.rows: list[EvidenceRow] = []
        self._made = 0
        self._list = QVBoxLayout()
        self._list.setContentsMargins(0, 0, 0, 0)
        self.add_button = name_widget(QPushButton("Add another link", self), f"{name}_add", "Add an evidence link")
        self.add_button.clicked.connect(lambda: self.add_row())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        for _ in range(rows):
            self.add_row()

    def add_row(self) -> EvidenceRow:
        row = EvidenceRow(self._made, self)
        self._made += 1
        row.changed.connect(self.changed)
        row.remove_requested.connect(self._remove)
        self.rows.append(row)
        self._list.addWidget(row)
        self.changed.emit()
        return row

    def _remove(self, row: EvidenceRow) -> None:
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        if not self.rows:
            self.add_row()
        self.changed.emit()

    def clear(self) -> None:
        for row in list(self.rows):
            self._remove(row)

    def links(self) -> list[EvidenceLink]:
        return [link for link in (row.link() for row in self.rows) if link is not None]

    def problems(self) -> list[str]:
        return [p for p in (row.problem_text() for row in self.rows) if p]


class RelationshipNumbersField(QWidget):
    """Business sending numbers, comma separated, each shown in E.164 or with why it is not a number."""

    changed = Signal()

    def __init__(self, name: str, region: str = DEFAULT_REGION, parent: Any = None) -> None:
        super().__init__(parent)
        self._region = region
        self.edit = name_widget(QLineEdit(self), name, "Relationship numbers",
                                "The business's sending numbers the contact opted in to, comma separated")
        self.edit.setPlaceholderText("e.g. +1 415 555 9000, (415) 555-9001")
        self.check = check_line(name_widget(plain_label(self), f"{name}_check", "Relationship numbers: check"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.check)
        self.edit.textChanged.connect(self._check)

    def _parts(self) -> list[str]:
        return [p.strip() for p in _NUMBER_SEPARATORS.split(self.edit.text()) if p.strip()]

    def numbers(self) -> list[str]:
        """The valid numbers in E.164, without repeats."""
        out: list[str] = []
        for part in self._parts():
            try:
                number = normalize_relationship_number(part, self._region)
            except ValueError:
                continue
            if number not in out:
                out.append(number)
        return out

    def problems(self) -> list[str]:
        problems = []
        for part in self._parts():
            try:
                normalize_relationship_number(part, self._region)
            except ValueError as exc:
                problems.append(str(exc))
        return problems

    def clear(self) -> None:
        self.edit.clear()

    def _check(self) -> None:
        problems = self.problems()
        numbers = self.numbers()
        saved = ("Will be saved as " + ", ".join(numbers)) if numbers else ""
        show_problem(self.check, "; ".join(problems) or None, saved)
        self.changed.emit()
