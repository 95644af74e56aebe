"""History's "State on ..." picker: each channel's state at a past moment, and the entries it rests on.

For a dispute ("did we text them after they said STOP?") the agent picks the moment the message went out and
presses Show state: each channel's state then, whether a message could go out then, and the ledger entries the
answer rests on (a click selects the entry in the history below). It asks ``services.past.status_at`` on the
database worker, the same replay as ``status --at``; "Back to now" hides it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, QModelIndex, QPersistentModelIndex, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.domain.events import from_us, to_us
from console.domain.explain import describe_state, reason_text
from console.domain.gate import decide_send
from console.services import past
from console.services.context import AppContext
from console.store.history import HistoryEntry
from console.ui.naming import name_widget
from console.ui.operations import QueryOp
from console.ui.plain import plain_label
from console.ui.row_model import RowListModel
from console.ui.taskman import TaskManager

AT_COLUMNS = ("Channel", "Could send then?", "Rests on")
BLOCKED_WORDS = {"not_connected": "channel not connected", "no_address": "no address"}
#: The most Channel and Rests on may take; the state then has the rest.
AT_CAPS = {0: 110, 2: 140}


def state_at_work(ctx: AppContext, contact_id: int, at_us: int, as_known_now: bool) -> past.ContactThen:
    found = past.status_at(ctx, str(contact_id), at_us, as_known_now=as_known_now)
    return next(then for then in found if then.contact_id == contact_id)


@dataclass(frozen=True, slots=True)
class ChannelLine:
    then: past.ChannelThen
    send: str
    cited: tuple[HistoryEntry | int, ...]


def entry_words(entry: HistoryEntry | int) -> str:
    if isinstance(entry, int):
        return f"#{entry}"
    return f"#{entry.event_id}, {from_us(entry.event.at_us):%Y-%m-%d}"


def entry_tip(entry: HistoryEntry | int) -> str:
    if isinstance(entry, int):
        return f"Entry #{entry}"
    ev = entry.event
    return (f"Entry #{entry.event_id}: {from_us(ev.at_us):%Y-%m-%d %H:%M:%S} UTC, {ev.source}, "
            f"{reason_text(ev.reason, {k: str(v) for k, v in (ev.detail or {}).items()})}, recorded by {entry.actor}")


def then_words(line: ChannelLine) -> str:
    """"No: DND permanent, Replied STOP on 1 Mar 2024" or "Yes: not DND"; what could go out comes first."""
    ch = line.then
    if ch.state.dnd:
        words = f"DND {ch.state.kind.value if ch.state.kind else ''}, {describe_state(ch.channel, ch.state)}"
    else:
        words = "not DND"
    if ch.inbound is not None and ch.inbound.dnd:
        words += "; inbound DND on"
    return f"{line.send}: {words}"


class StateAtModel(RowListModel):
    COLUMNS = AT_COLUMNS

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        line: ChannelLine = self.rows[index.row()]
        tip = role == Qt.ItemDataRole.ToolTipRole
        column = index.column()
        if column == 0:
            return line.then.channel.label
        if column == 1:
            return then_words(line)
        if column == 2:
            if not line.cited:
                return "No ledger entry had set DND on this channel by then" if tip else "none: never DND"
            return ("\n" if tip else ", ").join((entry_tip if tip else entry_words)(e) for e in line.cited)
        return None


class HistoryAt(QWidget):
    """The picker above the history; ``shown(contact_then)`` when a past state is on screen, None back at now."""

    shown = Signal(object)
    report_requested = Signal()

    def __init__(self, tasks: TaskManager, table: QTableView, entries: Callable[[], Sequence[HistoryEntry]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "history_at", "State on a past moment")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # the history has the rest
        self._tasks = tasks
        self._table = table
        self._entries = entries
        self.contact_id: int | None = None
        self.then: past.ContactThen | None = None
        self.label = name_widget(plain_label("State on", self), "history_at_label", "State on")
        self.moment = name_widget(QDateTimeEdit(self), "history_at_moment", "Moment (UTC)",
                                  "The moment to show each channel's state at, in UTC")
        self.moment.setTimeZone(QTimeZone.utc())
        self.moment.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.moment.setCalendarPopup(True)
        self.moment.setDateTime(QDateTime.currentDateTimeUtc())
        self.known_now = name_widget(QCheckBox("as known now", self), "history_at_known_now",
                                     "As known now", "Count entries recorded later about that moment (an import "
                                     "of older records); unticked: what the console said then")
        self.show_button = name_widget(QPushButton("&Show state", self), "history_at_show", "Show the state then")
        self.show_button.setAutoDefault(False)
        self.show_button.clicked.connect(self.show_state)
        self.now_button = name_widget(QPushButton("Back to &now", self), "history_at_now", "Back to now")
        self.now_button.setAutoDefault(False)
        self.now_button.clicked.connect(self.back_to_now)
        self.report_button = name_widget(QPushButton("Save consent &report...", self), "history_report",
                                         "Save consent report", "The contact's consent record as HTML or PDF")
        self.report_button.setAutoDefault(False)
        self.report_button.clicked.connect(self.report_requested)
        row = QHBoxLayout()  # two rows: the panel beside the list at 1280x800 is about 550 pixels wide
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.moment, self.show_button, self.now_button):
            row.addWidget(widget)
        row.addStretch(1)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.known_now)
        second.addStretch(1)
        second.addWidget(self.report_button)
        self.title = name_widget(plain_label(self), "history_at_title", "Which moment is shown")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setWordWrap(True)
        self.model = StateAtModel(self)
        self.view = name_widget(QTableView(self), "history_at_table", "Each channel's state at the moment")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.view.clicked.connect(self._select_cited)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addLayout(row)
        layout.addLayout(second)
        layout.addWidget(self.title)
        layout.addWidget(self.view)
        self.show_contact(None)

    # -- the contact and the moment

    def show_contact(self, contact_id: int | None) -> None:
        if contact_id != self.contact_id:
            self.back_to_now()
        self.contact_id = contact_id
        for widget in (self.moment, self.known_now, self.show_button, self.report_button):
            widget.setEnabled(contact_id is not None)

    def at_us(self) -> int:
        moment = self.moment.dateTime().toUTC()
        return to_us(datetime.fromtimestamp(moment.toSecsSinceEpoch(), tz=UTC))

    def set_moment(self, at_us: int) -> None:
        self.moment.setDateTime(QDateTime.fromSecsSinceEpoch(at_us // 1_000_000, QTimeZone.utc()))

    def show_state(self) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        at_us, known_now = self.at_us(), self.known_now.isChecked()
        self.show_button.setEnabled(False)
        (QueryOp(self._tasks, lambda ctx: state_at_work(ctx, contact_id, at_us, known_now))
         .with_progress("Replaying the history...")
         .only_if(lambda: self.contact_id == contact_id)
         .success(self._show_then)
         .failure(lambda _error: self.show_button.setEnabled(True))
         .run_in_background())

    def _show_then(self, then: past.ContactThen) -> None:
        self.then = then
        self.show_button.setEnabled(True)
        by_id = {e.event_id: e for e in self._entries()}
        lines = []
        for ch in then.channels:
            decision = decide_send(ch.channel, ch.state, ch.connected, bool(then.email), bool(then.phone))
            send = "Yes" if decision.allowed else "No" + (
                f" ({BLOCKED_WORDS[decision.reason]})" if decision.reason in BLOCKED_WORDS else "")
            cited = tuple(by_id.get(e, e) for e in (*ch.entries, *ch.inbound_entries))
            lines.append(ChannelLine(ch, send, cited))
        self.model.set_rows(lines)
        how = "as known now" if then.as_known_now else "as the console knew it then"
        self.title.setText(f"State on {from_us(then.at_us):%Y-%m-%d %H:%M:%S} UTC, {how}: status {then.status}. "
                           "Click a row to select the entry it rests on below.")
        self._fit()
        self.title.show()
        self.view.show()
        self.now_button.setEnabled(True)
        self.shown.emit(then)

    def _fit(self) -> None:
        """Channel and Rests on as wide as their text (capped), the state then the rest; as tall as six rows."""
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        for column, cap in AT_CAPS.items():
            texts = [str(self.model.index(r, column).data() or "") for r in range(self.model.rowCount())]
            wanted = max([metrics.horizontalAdvance(t) for t in texts]
                         + [header.sectionSizeFromContents(column).width()]) + 12
            header.resizeSection(column, min(wanted, cap))
        rows = sum(self.view.rowHeight(r) for r in range(self.model.rowCount()))
        self.view.setFixedHeight(rows + header.height() + 2 * self.view.frameWidth())

    def back_to_now(self) -> None:
        self.then = None
        self.model.set_rows([])
        self.title.hide()
        self.view.hide()
        self.now_button.setEnabled(False)
        self.moment.setDateTime(QDateTime.currentDateTimeUtc())
        self.shown.emit(None)

    def _select_cited(self, index: QModelIndex) -> None:
        """Select, in the history below, the first entry the clicked channel's state rests on."""
        line: ChannelLine = self.model.rows[index.row()]
        wanted = [e.event_id if isinstance(e, HistoryEntry) else e for e in line.cited]
        rows: list[HistoryEntry] = getattr(self._table.model(), "rows", [])
        for row, entry in enumerate(rows):
            if entry.event_id in wanted:
                self._table.selectRow(row)
                self._table.scrollTo(self._table.model().index(row, 0))
                return
