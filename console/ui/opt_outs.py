"""Possible opt-outs: inbound messages that read like an opt-out, waiting for an agent to confirm or dismiss.

Each row names the contact (name and address), how long the message has waited and its FCC deadline: 10
business days (Monday to Friday) since it was received (RULES.md); overdue rows are flagged in red.
:class:`OptOutCount` is the window's live count of them (pending, overdue), a button that opens the dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from console.domain.deadlines import DEADLINE_BUSINESS_DAYS
from console.services.opt_outs import OptOutContact, OptOutItem
from console.ui import ops
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.plain import plain_label
from console.ui.review_model import when_iso, when_words
from console.ui.row_model import RowListModel
from console.ui.taskman import TaskManager

OPT_OUT_COLUMNS = ("Received", "Contact", "From", "Waiting", "Deadline", "Message")
CONTACT_COLUMN, WAITING_COLUMN, DEADLINE_COLUMN, MESSAGE_COLUMN = 1, 3, 4, 5
OVERDUE_COLOUR = "#c62828"
OPT_OUT_WIDTHS = (140, 250, 120, 130, 210)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def contact_words(contacts: tuple[OptOutContact, ...]) -> str:
    """ "Eli Novak · eli@example.com" (or the phone), several joined by ";"; "no contact yet" when none."""
    if not contacts:
        return "no contact has this number yet"
    return "; ".join(" · ".join(x for x in (c.name, c.email or c.phone) if x) for c in contacts)


def waiting_words(item: OptOutItem) -> str:
    if item.waited == 0:
        return "today"
    return plural(item.waited, "business day")


def deadline_words(item: OptOutItem) -> str:
    day = f"{item.deadline.day} {item.deadline:%b %Y}"
    if item.overdue:
        return f"OVERDUE (was {day})"
    left = DEADLINE_BUSINESS_DAYS - item.waited
    return f"{day} ({left} left)" if left else f"{day} (today)"


def count_words(pending: int, overdue: int) -> str:
    """The window's line: "3 possible opt-outs waiting (1 overdue)"; "No possible opt-outs waiting"."""
    if not pending:
        return "No possible opt-outs waiting"
    return f"{plural(pending, 'possible opt-out')} waiting" + (f" ({overdue:,} overdue)" if overdue else "")


class PossibleOptOutModel(RowListModel):
    COLUMNS = OPT_OUT_COLUMNS

    @property
    def items(self) -> list[OptOutItem]:
        return self.rows

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        item: OptOutItem = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        if item.overdue and role == Qt.ItemDataRole.ForegroundRole and column in (WAITING_COLUMN, DEADLINE_COLUMN):
            return QBrush(QColor(OVERDUE_COLOUR))
        if item.overdue and role == Qt.ItemDataRole.FontRole and column == DEADLINE_COLUMN:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _display(self, item: OptOutItem, column: int) -> str | None:
        values = (
            when_words(item.view.received_at_us),
            contact_words(item.contacts),
            item.view.address,
            waiting_words(item),
            deadline_words(item),
            " ".join(item.view.body.split()),
        )
        return values[column] if 0 <= column < len(values) else None

    def _tooltip(self, item: OptOutItem, column: int) -> str | None:
        if column == 0:
            return f"Received {when_iso(item.view.received_at_us)}"
        if column == CONTACT_COLUMN:
            return "\n".join(" · ".join(x for x in (c.name, f"#{c.id}", c.email, c.phone) if x)
                             for c in item.contacts) or "No contact has this number yet"
        if column in (WAITING_COLUMN, DEADLINE_COLUMN):
            return (f"Possible opt-outs must be handled within {DEADLINE_BUSINESS_DAYS} business days (Monday to "
                    f"Friday) of being received (FCC). {deadline_words(item)}.")
        if column == MESSAGE_COLUMN:
            return item.view.body
        return self._display(item, column)


def _button(text: str, name: str, accessible: str, parent: Any) -> QPushButton:
    """Never a default button: Enter on the list confirms or dismisses nothing."""
    button = name_widget(QPushButton(text, parent), name, accessible)
    button.setAutoDefault(False)
    button.setDefault(False)
    return button


class PossibleOptOutsDialog(QDialog):
    """Confirming records a permanent SMS DND dated when the message came in; dismissing changes nothing.
    Both need a press of their button: Enter does neither. ``counted`` carries (pending, overdue) after each read."""

    decided = Signal(object)  # the contact ids whose DND may have changed
    counted = Signal(int, int)
    loaded = Signal()

    def __init__(self, tasks: TaskManager, location_id: int, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "possible_opt_outs_dialog", "Possible opt-outs")
        self.setWindowTitle("Possible opt-outs")
        self.resize(1100, 460)
        self._tasks, self._location_id = tasks, location_id
        self._deciding = False
        intro = plain_label("Messages that read like an opt-out but are not an opt-out keyword. US rules (FCC) require "
                       "honouring a revocation made by any reasonable means within 10 business days: confirm it to "
                       "set a permanent SMS DND, or dismiss it.", self)
        intro.setWordWrap(True)
        self.count = name_widget(plain_label(self), "opt_outs_count", "Possible opt-outs waiting and overdue")
        self.model = PossibleOptOutModel(self)
        self.table = name_widget(QTableView(self), "possible_opt_outs", "Possible opt-outs waiting for a decision")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(OPT_OUT_WIDTHS):
            header.resizeSection(column, width)
        self.confirm_button = _button("Confirm opt-out (SMS DND)", "confirm_opt_out",
                                      "Confirm the selected message as an SMS opt-out", self)
        self.dismiss_button = _button("Dismiss", "dismiss_opt_out", "Dismiss the selected message", self)
        self.close_button = _button("Close", "close_opt_outs", "Close", self)
        self.confirm_button.clicked.connect(lambda: self.decide(confirm=True))
        self.dismiss_button.clicked.connect(lambda: self.decide(confirm=False))
        self.close_button.clicked.connect(self.accept)
        self.empty = name_widget(plain_label("No possible opt-outs are waiting.", self), "no_opt_outs",
                                 "Nothing waiting")
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty)
        buttons.addStretch(1)
        for button in (self.confirm_button, self.dismiss_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.reload()

    def reload(self) -> None:
        (QueryOp(self._tasks, lambda ctx: ops.possible_opt_out_queue(ctx, self._location_id))
         .with_progress("Reading the possible opt-outs...")
         .success(self._show)
         .run_in_background())

    def _show(self, items: list[OptOutItem]) -> None:
        self.model.set_rows(items)
        if self.model.items:
            self.table.selectRow(0)
        overdue = sum(1 for i in items if i.overdue)
        self.count.setText(count_words(len(items), overdue))
        self.count.setStyleSheet(f"color: {OVERDUE_COLOUR}; font-weight: bold;" if overdue else "")
        self.empty.setVisible(not self.model.items)
        self._update_buttons()
        self.counted.emit(len(items), overdue)
        self.loaded.emit()

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None and not self._deciding
        self.confirm_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)

    def selected(self) -> OptOutItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def decide(self, confirm: bool) -> None:
        item = self.selected()
        if item is None or self._deciding:
            return
        self._deciding = True
        self._update_buttons()
        (ChangeOp(self._tasks, lambda ctx: ops.decide_possible_opt_out(ctx, item.view.id, confirm))
         .with_progress("Saving the decision...")
         .success(lambda _none: self._decided(item))
         .failure(lambda _error: self._decided(None))
         .run_in_background())

    def _decided(self, item: OptOutItem | None) -> None:
        self._deciding = False
        self.reload()
        if item is not None:
            self.decided.emit(frozenset(item.view.contact_ids))


class OptOutCount(QPushButton):
    """The window's count of possible opt-outs waiting (and overdue, in red); a click opens the dialog.
    ``refresh(location_id)`` reads it again on the database worker; ``show_counts`` takes a dialog's fresh count."""

    counts_changed = Signal(int, int)

    def __init__(self, tasks: TaskManager, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "opt_outs_count_button", "Possible opt-outs waiting", "Open the possible opt-outs")
        self.setFlat(True)
        self.setAutoDefault(False)
        self._tasks = tasks
        self.pending = self.overdue = 0
        self._location_id: int | None = None
        self.show_counts(0, 0)

    def refresh(self, location_id: int | None) -> None:
        self._location_id = location_id
        if location_id is None:
            return
        (QueryOp(self._tasks, lambda ctx: ops.possible_opt_out_counts(ctx, location_id))
         .only_if(lambda: self._location_id == location_id)
         .success(lambda counts: self.show_counts(*counts))
         .run_in_background())

    def show_counts(self, pending: int, overdue: int) -> None:
        self.pending, self.overdue = pending, overdue
        self.setText(count_words(pending, overdue))
        self.setStyleSheet(f"color: {OVERDUE_COLOUR}; font-weight: bold;" if overdue else "")
        self.setToolTip(f"Possible opt-outs must be handled within {DEADLINE_BUSINESS_DAYS} business days of being "
                        "received. Click to open them.")
        self.counts_changed.emit(pending, overdue)
