"""The review queue as a table: pending first, then needs-info, then decided, newest first; fetched in pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from console.domain.events import from_us, now_us
from console.domain.reviews import Review, ReviewState
from console.errors import UserError
from console.store.db import Store
from console.store.review_queries import count_reviews, list_reviews

REVIEW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
REVIEW_STATE_ROLE = Qt.ItemDataRole.UserRole + 2
REVIEW_COLUMNS = ("#", "State", "Age", "Contact", "Channel", "Submitted by", "Decided by")
STATE_COLUMN, AGE_COLUMN = 1, 2
PAGE_SIZE = 200
STATE_WORDS: dict[ReviewState, str] = {
    ReviewState.PENDING: "Pending",
    ReviewState.NEEDS_INFO: "Needs info",
    ReviewState.APPROVED: "Approved",
    ReviewState.REJECTED: "Rejected",
}
STATE_COLOURS: dict[ReviewState, str] = {
    ReviewState.PENDING: "#1e6fd9",
    ReviewState.NEEDS_INFO: "#b26a00",
    ReviewState.APPROVED: "#2e7d32",
    ReviewState.REJECTED: "#c62828",
}
_MINUTE_US, _HOUR_US, _DAY_US = 60_000_000, 3_600_000_000, 86_400_000_000


def age_words(since_us: int, now: int | None = None) -> str:
    """How long ago, in one short unit: "just now", "12 min", "3 h", "2 d"."""
    elapsed = max(0, (now_us() if now is None else now) - since_us)
    if elapsed < _MINUTE_US:
        return "just now"
    if elapsed < _HOUR_US:
        return f"{elapsed // _MINUTE_US} min"
    if elapsed < _DAY_US:
        return f"{elapsed // _HOUR_US} h"
    return f"{elapsed // _DAY_US} d"


def when_words(us: int | None) -> str:
    return f"{from_us(us):%Y-%m-%d %H:%M} UTC" if us is not None else ""


class ReviewTableModel(QAbstractTableModel):
    """Rows are Review snapshots read a page at a time; ``pending_count`` feeds the tab's badge."""

    pending_count_changed = Signal(int)
    load_failed = Signal(str)

    def __init__(self, store: Store, location_id: int | None, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self.location_id = location_id
        self.state: ReviewState | None = None
        self.pending_count = 0
        self._rows: list[Review] = []
        self._more = False
        self._now = now_us()
        self.refresh()

    # -- loading

    def set_location(self, location_id: int | None) -> None:
        self.location_id = location_id
        self.refresh()

    def set_state(self, state: ReviewState | None) -> None:
        self.state = state
        self.refresh()

    def refresh(self) -> None:
        """Reload from the first page (ages are measured again)."""
        try:
            with self._store.read() as session:
                rows, more = self._page(session, 0)
                pending = count_reviews(session, ReviewState.PENDING, self.location_id)
        except UserError as exc:
            self.load_failed.emit(str(exc))
            return
        self.beginResetModel()
        self._now = now_us()
        self._rows = rows
        self._more = more
        self.endResetModel()
        self.pending_count = pending
        self.pending_count_changed.emit(pending)

    def _page(self, session: Session, offset: int) -> tuple[list[Review], bool]:
        """A page of reviews from ``offset``, and whether more follow (one row past the page tells)."""
        rows = list_reviews(session, self.state, self.location_id, pending_first=True, limit=PAGE_SIZE + 1,
                            offset=offset)
        return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        try:
            with self._store.read() as session:
                rows, more = self._page(session, len(self._rows))
        except UserError as exc:
            self.load_failed.emit(str(exc))
            return
        self._more = more
        if rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def review_at(self, row: int) -> Review | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, review_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == review_id), None)

    # -- the table

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(REVIEW_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(REVIEW_COLUMNS):
            return REVIEW_COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        review = self._rows[index.row()]
        column = index.column()
        if role == REVIEW_ID_ROLE:
            return review.id
        if role == REVIEW_STATE_ROLE:
            return review.state.value
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(review, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(review, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE_COLUMN:
            return QBrush(QColor(STATE_COLOURS[review.state]))
        if role == Qt.ItemDataRole.FontRole and review.state == ReviewState.PENDING:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _display(self, review: Review, column: int) -> str | None:
        values = (
            f"#{review.id}",
            STATE_WORDS[review.state],
            age_words(review.submitted_at_us, self._now),
            review.contact_name or f"#{review.contact_id}",
            review.channel.label,
            review.submitted_by,
            review.decided_by or "",
        )
        return values[column] if 0 <= column < len(values) else None

    def _tooltip(self, review: Review, column: int) -> str | None:
        if column == AGE_COLUMN:
            return f"Submitted {when_words(review.submitted_at_us)}"
        if column == STATE_COLUMN and review.reason:
            return f"{STATE_WORDS[review.state]}: {review.reason}"
        return self._display(review, column)
