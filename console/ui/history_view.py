"""A contact's history: every change, newest first, with when, who, source and reason."""

from __future__ import annotations

from typing import Any

import orjson

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from console.domain.events import Effect, from_us
from console.domain.explain import reason_text
from console.domain.state import ChannelState
from console.store.history import HistoryEntry
from console.ui import ops
from console.ui.naming import name_widget
from console.ui.operations import QueryOp
from console.ui.row_model import RowListModel
from console.ui.taskman import TaskManager

HISTORY_COLUMNS = ("When (UTC)", "Channel", "Change", "Who", "Source", "Reason")
HISTORY_WIDTHS = (92, 64, 110, 70, 130)
SOURCE_WORDS = {"agent": "Manual (agent)", "review": "Opt-in review", "mailgun": "Mailgun", "twilio": "Twilio"}


def state_words(state: ChannelState) -> str:
    return f"DND {state.kind}" if state.dnd else "off"


def change_words(entry: HistoryEntry) -> str:
    before, after = state_words(entry.before), state_words(entry.after)
    if before == after:
        verb = "set" if entry.event.effect == Effect.SET else "lift"
        return f"{before} (no change: {verb} {entry.event.kind or ''} ignored)".replace("  ", " ")
    return f"{before} → {after}"


def source_words(entry: HistoryEntry) -> str:
    words = SOURCE_WORDS.get(entry.event.source, entry.event.source)
    if entry.batch_id is None:
        return words
    names: list[str] = []
    if entry.batch_files:
        try:
            names = [str(f.get("name") or f.get("path")) for f in orjson.loads(entry.batch_files)]
        except (orjson.JSONDecodeError, AttributeError, TypeError):
            names = []
    files = ", ".join(names) if names else "unknown file"
    return f"{words} import #{entry.batch_id} ({files})"


def reason_words(entry: HistoryEntry) -> str:
    detail = {k: str(v) for k, v in (entry.event.detail or {}).items()}
    text = reason_text(entry.event.reason, detail)
    if entry.event.provider_cleared:
        text += "; provider clearance confirmed"
    if detail.get("scope") == "all":
        text += "; DND all channels"
    if detail.get("note"):
        text += f"; note: {detail['note']}"
    return text


class HistoryModel(RowListModel):
    COLUMNS = HISTORY_COLUMNS

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        """Entries in order of occurrence; shown newest first."""
        self.set_rows(reversed(entries))

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        entry: HistoryEntry = self.rows[index.row()]
        column = index.column()
        if column == 0:
            return (
                f"{from_us(entry.event.at_us):%Y-%m-%d\n%H:%M}"
                if role == Qt.ItemDataRole.DisplayRole
                else (f"{from_us(entry.event.at_us):%Y-%m-%d %H:%M:%S} UTC")
            )
        if column == 1:
            return entry.event.channel.label if entry.event.channel else ""
        if column == 2:
            return change_words(entry)
        if column == 3:
            return entry.actor
        if column == 4:
            return source_words(entry)
        if column == 5:
            return reason_words(entry)
        return None


class HistoryView(QWidget):
    """The selected contact's history, read on the database worker; ``loaded`` when it is shown."""

    loaded = Signal(object)  # the contact id, or None

    def __init__(self, tasks: TaskManager, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "history_view", "Contact history")
        self._tasks = tasks
        self.contact_id: int | None = None
        self.model = HistoryModel(self)
        self.table = name_widget(QTableView(self), "history_table", "History of DND changes, newest first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        for column, width in enumerate(HISTORY_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def show_contact(self, contact_id: int | None) -> None:
        """Show this contact's history once it is read (the last contact asked for wins)."""
        self.contact_id = contact_id
        if contact_id is None:
            self.model.set_entries([])
            self.loaded.emit(None)
            return
        (QueryOp(self._tasks, lambda ctx: ops.history(ctx, contact_id))
         .with_progress("Reading the history...")
         .only_if(lambda: self.contact_id == contact_id)
         .success(lambda entries: self._show(contact_id, entries))
         .run_in_background())

    def _show(self, contact_id: int, entries: list[HistoryEntry]) -> None:
        self.model.set_entries(entries)
        self.loaded.emit(contact_id)
