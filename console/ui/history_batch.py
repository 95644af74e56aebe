"""Bulk changes in a contact's History: the batch named as such, and an Undo for the batch of the selected row."""

from __future__ import annotations

from typing import Any

import orjson

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTableView, QWidget

from console.store.history import HistoryEntry
from console.ui.naming import name_widget
from console.ui.plain import plain_label

BULK, UNDO = "bulk", "undo"


def batch_detail(entry: HistoryEntry) -> dict[str, Any] | None:
    """What a bulk change's or an undo's batch row says ({"format": "bulk", "note": ...}); None for an import."""
    if entry.batch_id is None or not entry.batch_files:
        return None
    try:
        files = orjson.loads(entry.batch_files)
    except orjson.JSONDecodeError:
        return None
    first = files[0] if isinstance(files, list) and files and isinstance(files[0], dict) else None
    return first if first is not None and first.get("format") in (BULK, UNDO) else None


def batch_source_words(entry: HistoryEntry) -> str | None:
    """"Bulk change #12" or "Undo of bulk change #12 (batch #13)"; None when the entry is of no such batch."""
    detail = batch_detail(entry)
    if detail is None:
        return None
    if detail.get("format") == BULK:
        return f"Bulk change #{entry.batch_id}"
    return f"Undo of batch #{detail.get('undoes')} (batch #{entry.batch_id})"


def undoable_batch(entry: HistoryEntry | None) -> int | None:
    """The bulk change an entry belongs to, which History offers to undo."""
    if entry is None:
        return None
    detail = batch_detail(entry)
    return entry.batch_id if detail is not None and detail.get("format") == BULK else None


class BatchUndoBar(QWidget):
    """Under the history: "Undo bulk change #12..." for the selected row's batch; hidden for other rows."""

    undo_requested = Signal(int)  # the batch id

    def __init__(self, table: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "history_batch_bar", "Bulk change of the selected entry")
        self.table = table
        self.batch_id: int | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.words = name_widget(plain_label(self), "history_batch_words", "The selected entry's bulk change")
        self.words.setWordWrap(True)
        self.undo_button = name_widget(QPushButton("Undo bulk change...", self), "history_undo_batch",
                                       "Undo the selected entry's bulk change",
                                       "Reverts what the batch changed on all its contacts and is still in effect")
        self.undo_button.setAutoDefault(False)
        self.undo_button.clicked.connect(lambda: self.batch_id is not None and self.undo_requested.emit(self.batch_id))
        row.addWidget(self.words, 1)
        row.addWidget(self.undo_button)
        selection = table.selectionModel()
        if selection is not None:
            selection.selectionChanged.connect(self._selected)
        model = table.model()
        if model is not None:
            model.modelReset.connect(self.show_entry)
        self.show_entry()

    def _selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        index = self.table.currentIndex()
        model = self.table.model()
        rows: list[HistoryEntry] = getattr(model, "rows", [])
        chosen = self.table.selectionModel().selectedRows()
        row = chosen[0].row() if chosen else (index.row() if index.isValid() else -1)
        self.show_entry(rows[row] if 0 <= row < len(rows) else None)

    def show_entry(self, entry: HistoryEntry | None = None) -> None:
        self.batch_id = undoable_batch(entry)
        if self.batch_id is None or entry is None:
            self.hide()
            return
        note = (batch_detail(entry) or {}).get("note")
        self.words.setText(f"Bulk change #{self.batch_id}" + (f": {note}" if note else ""))
        self.undo_button.setText(f"Undo bulk change #{self.batch_id}...")
        self.show()
