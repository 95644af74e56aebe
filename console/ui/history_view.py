"""A contact's history: every change, newest first, with when, who, source and reason."""

from __future__ import annotations

from typing import Any

import orjson

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QTableView, QVBoxLayout, QWidget

from console.domain.events import Effect, from_us
from console.domain.explain import end_words, reason_text
from console.domain.inbound import is_inbound
from console.domain.state import ChannelState
from console.store.history import HistoryEntry
from console.ui import ops
from console.ui.contact_table import FOCUS_STYLE
from console.ui.history_at import HistoryAt
from console.ui.history_batch import BatchUndoBar, batch_source_words
from console.ui.naming import name_widget
from console.ui.operations import QueryOp
from console.ui.plain import plain_label
from console.ui.row_model import RowListModel
from console.ui.taskman import TaskManager

HISTORY_COLUMNS = ("When (UTC)", "Channel", "Change", "Who", "Source", "Reason")
#: The most When, Channel, Change, Who and Source may take; Reason has the rest.
HISTORY_CAPS = (130, 80, 190, 110, 260)
#: Below this width (the panel beside the list at 1280x800) the Who column is folded into the source's tooltip.
NARROW = 560
SOURCE_WORDS = {"agent": "Manual (agent)", "review": "Opt-in review", "mailgun": "Mailgun", "twilio": "Twilio"}


def state_words(state: ChannelState) -> str:
    if state.dnd and state.until_us is not None:  # a manual DND with an end
        return f"DND {state.kind} until {end_words(state.until_us)}"
    return f"DND {state.kind}" if state.dnd else "off"


def change_words(entry: HistoryEntry) -> str:
    if is_inbound(entry.event):  # inbound DND: messages or calls from the contact, beside the outbound state
        return "Incoming blocked (inbound DND)" if entry.after.dnd else "Incoming let in (inbound DND off)"
    before, after = state_words(entry.before), state_words(entry.after)
    if before == after:
        verb = "set" if entry.event.effect == Effect.SET else "lift"
        return f"{before} (no change: {verb} {entry.event.kind or ''} ignored)".replace("  ", " ")
    return f"{before} → {after}"


def batch_file_names(entry: HistoryEntry) -> list[str]:
    """Every file of the entry's import batch, by name."""
    if not entry.batch_files:
        return []
    try:
        return [str(f.get("name") or f.get("path")) for f in orjson.loads(entry.batch_files)]
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return []


def source_words(entry: HistoryEntry) -> str:
    """One line: "Twilio import #1, twilio-messages.csv" (the file the record came from)."""
    words = SOURCE_WORDS.get(entry.event.source, entry.event.source)
    if (bulk := batch_source_words(entry)) is not None:  # a bulk change or its undo, not an import
        return bulk
    if entry.batch_id is None:
        return words
    names = batch_file_names(entry)
    file = entry.batch_file or (names[0] if len(names) == 1 else f"one of {len(names)} files" if names else "")
    return f"{words} import #{entry.batch_id}" + (f", {file}" if file else "")


def source_tip(entry: HistoryEntry) -> str:
    """The source, who made the change, and every file of its batch."""
    names = batch_file_names(entry)
    if entry.batch_id is None or len(names) < 2:
        return f"{source_words(entry)}\nby {entry.actor}"
    listed = "\n".join(f"  {n}" for n in names)
    return f"{source_words(entry)}\nby {entry.actor}\nFiles of import #{entry.batch_id}:\n{listed}"


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
                f"{from_us(entry.event.at_us):%Y-%m-%d %H:%M}"
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
            return source_words(entry) if role == Qt.ItemDataRole.DisplayRole else source_tip(entry)
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
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)  # one line per entry; the whole text is in the tooltip
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setStyleSheet(FOCUS_STYLE)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the reason (and note) takes the rest, never beyond the view
        header.setMinimumSectionSize(40)
        self.model.modelReset.connect(self.fit_columns)
        self.table.viewport().installEventFilter(self)  # refit whenever the table's room changes (resize, tab shown)
        self.detail = name_widget(plain_label(self), "history_detail", "The selected history entry in full")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setFrameShape(QFrame.Shape.StyledPanel)
        self.detail.setMargin(6)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.model.modelReset.connect(self._show_detail)
        self.table.selectionModel().currentRowChanged.connect(lambda _now, _before: self._show_detail())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.at = HistoryAt(tasks, self.table, lambda: self.model.rows, self)  # "State on ..." (history_at.py)
        self.batch_bar = BatchUndoBar(self.table, self)  # Undo of the selected entry's bulk change
        layout.addWidget(self.at)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.batch_bar)
        layout.addWidget(self.detail)

    def fit_columns(self) -> None:
        """Each column as wide as its content needs, within a cap; when they do not all fit, who goes first (it
        is in the source's tooltip and the detail), then the change, then the source give up room (their tooltips
        have it all), so the reason keeps what it needs, up to a quarter of the view."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()

        def wanted(column: int) -> int:
            texts = [str(self.model.index(r, column).data() or "") for r in range(min(self.model.rowCount(), 200))]
            return max([metrics.horizontalAdvance(t) for t in texts]
                       + [header.sectionSizeFromContents(column).width()]) + 10

        widths = [min(wanted(column), cap) for column, cap in enumerate(HISTORY_CAPS)]
        room = self.table.viewport().width()
        reason = min(wanted(len(HISTORY_CAPS)), max(room // 4, 110))
        over = sum(widths) - (room - reason)
        hide_who = over > 0 or room < NARROW
        self.table.setColumnHidden(3, hide_who)
        if hide_who:
            over -= widths[3]
            widths[3] = 0
        for column, least in ((2, 110), (4, 90), (2, 80)):
            if over <= 0:
                break
            give = min(over, max(0, widths[column] - least))
            widths[column] -= give
            over -= give
        for column, width in enumerate(widths):
            if width:
                header.resizeSection(column, width)

    def _show_detail(self) -> None:
        """The current entry (else the newest) in full, wrapped, under the table: the reason and note are read
        there whatever the panel's width (the table elides them to keep one line per entry)."""
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else 0
        if row >= self.model.rowCount():
            self.detail.setText("No changes yet." if self.contact_id is not None else "")
            return
        entry: HistoryEntry = self.model.rows[row]
        channel = entry.event.channel.label if entry.event.channel else "All channels"
        when = f"{from_us(entry.event.at_us):%Y-%m-%d %H:%M} UTC"
        lines = [f"{when} · {channel} · {change_words(entry)} · by {entry.actor}", source_words(entry)]
        reason = reason_words(entry)
        if reason:
            lines.append(reason)
        self.detail.setText("\n".join(lines))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().eventFilter(watched, event)

    def show_contact(self, contact_id: int | None) -> None:
        """Show this contact's history once it is read (the last contact asked for wins)."""
        self.contact_id = contact_id
        self.at.show_contact(contact_id)
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
