"""Guards against a Qt binding that breaks the window in long sessions."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView


class Grid(QAbstractTableModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 50

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return "x" if role == Qt.ItemDataRole.DisplayRole else None


def test_emitting_data_changed_keeps_reference_counts(qtbot) -> None:
    """PySide6 6.12.0 dropped a reference to True per emit; after a few hundred row updates Python aborted."""
    model = Grid()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    before = sys.getrefcount(True)
    for n in range(200):
        model.dataChanged.emit(model.index(n % 50, 0), model.index(n % 50, 4))
    assert sys.getrefcount(True) >= before - 5
