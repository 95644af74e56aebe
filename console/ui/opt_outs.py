"""Possible opt-outs: inbound messages that read like an opt-out, waiting for an agent to confirm or dismiss."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
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
from console.errors import UserError
from console.store.db import Store
from console.store.possible_opt_outs import (
    PossibleOptOutView,
    confirm_possible_opt_out,
    dismiss_possible_opt_out,
    list_possible_opt_outs,
)
from console.ui.naming import name_widget

OPT_OUT_COLUMNS = ("Received (UTC)", "From", "Contacts", "Message")


class PossibleOptOutModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[PossibleOptOutView] = []

    def set_items(self, items: list[PossibleOptOutView]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(OPT_OUT_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(OPT_OUT_COLUMNS):
            return OPT_OUT_COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        item = self.items[index.row()]
        return (
            f"{from_us(item.received_at_us):%Y-%m-%d %H:%M}",
            item.address,
            ", ".join(f"#{i}" for i in item.contact_ids) or "no contact yet",
            item.body,
        )[index.column()]


class PossibleOptOutsDialog(QDialog):
    """Confirming records a permanent SMS DND dated when the message came in; dismissing changes nothing."""

    decided = Signal(object)  # the contact ids whose DND may have changed
    message = Signal(str, str)

    def __init__(self, store: Store, location_id: int, actor: str, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "possible_opt_outs_dialog", "Possible opt-outs")
        self.setWindowTitle("Possible opt-outs")
        self.resize(760, 420)
        self._store, self._location_id, self._actor = store, location_id, actor
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
        with self._store.read() as session:
            self.model.set_items(list_possible_opt_outs(session, self._location_id))
        if self.model.items:
            self.table.selectRow(0)
        self.empty.setVisible(not self.model.items)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.confirm_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)

    def selected(self) -> PossibleOptOutView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def decide(self, confirm: bool) -> None:
        item = self.selected()
        if item is None:
            return
        try:
            with self._store.write() as session:
                if confirm:
                    confirm_possible_opt_out(session, item.id, self._actor)
                else:
                    dismiss_possible_opt_out(session, item.id, self._actor)
        except UserError as exc:
            self.message.emit("error", str(exc))
        self.reload()
        self.decided.emit(frozenset(item.contact_ids))
