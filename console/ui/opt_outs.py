"""Possible opt-outs: inbound messages that read like an opt-out, waiting for an agent to confirm or dismiss."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from console.domain.events import from_us
from console.store.possible_opt_outs import PossibleOptOutView
from console.ui import ops
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.row_model import RowListModel
from console.ui.taskman import TaskManager

OPT_OUT_COLUMNS = ("Received (UTC)", "From", "Contacts", "Message")


class PossibleOptOutModel(RowListModel):
    COLUMNS = OPT_OUT_COLUMNS

    @property
    def items(self) -> list[PossibleOptOutView]:
        return self.rows

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        item: PossibleOptOutView = self.rows[index.row()]
        return (
            f"{from_us(item.received_at_us):%Y-%m-%d %H:%M}",
            item.address,
            ", ".join(f"#{i}" for i in item.contact_ids) or "no contact yet",
            item.body,
        )[index.column()]


class PossibleOptOutsDialog(QDialog):
    """Confirming records a permanent SMS DND dated when the message came in; dismissing changes nothing."""

    decided = Signal(object)  # the contact ids whose DND may have changed
    loaded = Signal()

    def __init__(self, tasks: TaskManager, location_id: int, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "possible_opt_outs_dialog", "Possible opt-outs")
        self.setWindowTitle("Possible opt-outs")
        self.resize(760, 420)
        self._tasks, self._location_id = tasks, location_id
        self._deciding = False
        intro = QLabel("Messages that read like an opt-out but are not an opt-out keyword. US rules require "
                       "honouring a revocation made by any reasonable means: confirm it to set a permanent SMS "
                       "DND, or dismiss it.", self)
        intro.setWordWrap(True)
        self.model = PossibleOptOutModel(self)
        self.table = name_widget(QTableView(self), "possible_opt_outs", "Possible opt-outs waiting for a decision")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.confirm_button = name_widget(QPushButton("Confirm opt-out", self), "confirm_opt_out",
                                          "Confirm the selected message as an SMS opt-out")
        self.dismiss_button = name_widget(QPushButton("Dismiss", self), "dismiss_opt_out",
                                          "Dismiss the selected message")
        self.close_button = name_widget(QPushButton("Close", self), "close_opt_outs", "Close")
        self.confirm_button.clicked.connect(lambda: self.decide(confirm=True))
        self.dismiss_button.clicked.connect(lambda: self.decide(confirm=False))
        self.close_button.clicked.connect(self.accept)
        self.empty = name_widget(QLabel("No possible opt-outs are waiting.", self), "no_opt_outs", "Nothing waiting")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty, 1)
        for button in (self.confirm_button, self.dismiss_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.reload()

    def reload(self) -> None:
        (QueryOp(self._tasks, lambda ctx: ops.list_possible_opt_outs(ctx, self._location_id))
         .with_progress("Reading the possible opt-outs...")
         .success(self._show)
         .run_in_background())

    def _show(self, items: list[PossibleOptOutView]) -> None:
        self.model.set_rows(items)
        if self.model.items:
            self.table.selectRow(0)
        self.empty.setVisible(not self.model.items)
        self._update_buttons()
        self.loaded.emit()

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None and not self._deciding
        self.confirm_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)

    def selected(self) -> PossibleOptOutView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def decide(self, confirm: bool) -> None:
        item = self.selected()
        if item is None or self._deciding:
            return
        self._deciding = True
        self._update_buttons()
        (ChangeOp(self._tasks, lambda ctx: ops.decide_possible_opt_out(ctx, item.id, confirm))
         .with_progress("Saving the decision...")
         .success(lambda _none: self._decided(item))
         .failure(lambda _error: self._decided(None))
         .run_in_background())

    def _decided(self, item: PossibleOptOutView | None) -> None:
        self._deciding = False
        self.reload()
        if item is not None:
            self.decided.emit(frozenset(item.contact_ids))
