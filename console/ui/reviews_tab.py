"""The Reviews tab: the opt-in review queue of the location, pending first; a review opens in its dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.domain.reviews import ReviewState
from console.ui.naming import name_widget
from console.ui.plain import plain_label
from console.ui.review_model import REVIEW_ID_ROLE, STATE_WORDS, ReviewTableModel
from console.ui.taskman import TaskManager

REVIEW_WIDTHS = (56, 96, 120, 320, 80, 130)
STATE_CHOICES: list[tuple[str, ReviewState | None]] = [("All reviews, pending first", None)] + [
    (STATE_WORDS[s], s) for s in ReviewState
]


def tab_title(pending: int) -> str:
    """The tab's title with its badge: "Reviews (3)" while reviews wait for a reviewer."""
    return f"Reviews ({pending})" if pending else "Reviews"


class ReviewsView(QWidget):
    """Emits ``open_requested`` with a review id on double-click, Enter or the Open button."""

    open_requested = Signal(int)

    def __init__(self, tasks: TaskManager, location_id: int | None, parent: Any = None, load: bool = True) -> None:
        super().__init__(parent)
        name_widget(self, "reviews_view", "Opt-in reviews")
        self._keep: int | None = None
        self.model = ReviewTableModel(tasks, location_id, self, load)
        self.state = name_widget(QComboBox(self), "review_state_filter", "Show reviews in state")
        for text, state in STATE_CHOICES:
            self.state.addItem(text, state.value if state else None)
        self.state.currentIndexChanged.connect(self._state_picked)
        self.summary = name_widget(plain_label(self), "review_summary", "Reviews waiting")
        self.refresh_button = name_widget(QPushButton("Refresh", self), "refresh_reviews", "Reload the reviews")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.open_button = name_widget(QPushButton("Open review...", self), "open_review",
                                       "Open the selected review")
        self.open_button.clicked.connect(self._open_selected)
        self.table = name_widget(QTableView(self), "review_list", "Opt-in reviews, pending first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(max(26, self.table.fontMetrics().height() + 10))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.model.modelReset.connect(self._size_columns)
        self.model.modelReset.connect(self._update_open_button)
        self.model.pending_count_changed.connect(self._show_summary)
        self.model.loaded.connect(self._reselect)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_open_button())
        top = QHBoxLayout()
        top.addWidget(self.state)
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._size_columns()
        self._show_summary(self.model.pending_count)
        self._update_open_button()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        for column, width in enumerate(REVIEW_WIDTHS):
            header.resizeSection(column, width)

    def _state_picked(self, _index: int) -> None:
        value = self.state.currentData()
        self.model.set_state(ReviewState(value) if value else None)

    def _show_summary(self, pending: int) -> None:
        waiting = f"{pending} review{'s' if pending != 1 else ''} waiting for a reviewer" if pending else ""
        self.summary.setText(waiting or "No review is waiting for a reviewer.")

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return int(rows[0].data(REVIEW_ID_ROLE)) if rows else None

    def select_review(self, review_id: int) -> None:
        row = self.model.row_of(review_id)
        if row is not None:
            self.table.selectRow(row)

    def _update_open_button(self) -> None:
        chosen = self.selected_id() is not None
        self.open_button.setEnabled(chosen)
        self.open_button.setToolTip("Open the selected review" if chosen else "Select a review in the list first")

    def _open_index(self, index: QModelIndex) -> None:
        review_id = index.data(REVIEW_ID_ROLE)
        if review_id is not None:
            self.open_requested.emit(int(review_id))

    def _open_selected(self) -> None:
        review_id = self.selected_id()
        if review_id is not None:
            self.open_requested.emit(review_id)

    def refresh(self, keep: int | None = None) -> None:
        """Reload, keeping the selected (or given) review selected."""
        self._keep = keep if keep is not None else self.selected_id()
        self.model.refresh()

    def _reselect(self) -> None:
        if self._keep is not None:
            self.select_review(self._keep)
