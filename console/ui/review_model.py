"""The review queue as a table: pending first, then needs-info, then decided, newest first; fetched in pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from console.domain.channels import PHONE_CHANNELS, Channel
from console.domain.events import from_us, iso_utc, now_us, to_us
from console.domain.reviews import Review, ReviewState
from console.store.contact_list import ContactRow
from console.ui import ops
from console.ui.operations import QueryOp
from console.ui.row_model import RowListModel
from console.ui.taskman import TaskManager

REVIEW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
REVIEW_STATE_ROLE = Qt.ItemDataRole.UserRole + 2
REVIEW_COLUMNS = ("#", "State", "Age", "Contact", "Channel", "Submitted by", "Decided by")
STATE_COLUMN, AGE_COLUMN, CONTACT_COLUMN = 1, 2, 3
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


def review_address(row: ContactRow | None, channel: Channel) -> str:
    """The address a channel uses (phone for SMS, calls and WhatsApp, email otherwise), or the other one."""
    if row is None:
        return ""
    first, second = (row.phone, row.email) if channel in PHONE_CHANNELS else (row.email, row.phone)
    return first or second or ""


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def age_words(since_us: int, now: int | None = None) -> str:
    """How long ago, in one unit and a whole phrase: "just now", "1 minute ago", "3 hours ago", "2 days ago"."""
    elapsed = max(0, (now_us() if now is None else now) - since_us)
    if elapsed < _MINUTE_US:
        return "just now"
    if elapsed < _HOUR_US:
        return _count(elapsed // _MINUTE_US, "minute") + " ago"
    if elapsed < _DAY_US:
        return _count(elapsed // _HOUR_US, "hour") + " ago"
    return _count(elapsed // _DAY_US, "day") + " ago"


def when_words(us: int | None) -> str:
    """A moment as an agent reads it, in local time to the minute: "7 May 2024 14:03" (see :func:`when_iso`)."""
    if us is None:
        return ""
    moment = from_us(us).astimezone()
    return f"{moment.day} {moment:%b %Y %H:%M}"


def when_iso(us: int | None) -> str:
    """The full moment for a tooltip: ISO 8601 in UTC, to the microsecond when it has them."""
    return iso_utc(us) or ""


_ISO_IN_NOTES = re.compile(r"\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z\)")


def notes_words(notes: str) -> str:
    """The notes of a review with each line's stamp ("ana.agent (2024-05-07T14:03:07.205256Z): ...") to the
    minute in local time ("ana.agent (7 May 2024 14:03): ...")."""

    def local(match: re.Match[str]) -> str:
        moment = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        return f"({when_words(to_us(moment))})"

    return _ISO_IN_NOTES.sub(local, notes)


def state_words(text: str) -> str:
    """A refusal or reason from the rules with its raw review state ("is needs_info") in words ("is needs info")."""
    for state in ReviewState:
        text = text.replace(f" is {state.value}", f" is {STATE_WORDS[state].lower()}")
    return text


class ReviewTableModel(RowListModel):
    """Rows are Review snapshots read a page at a time on the database worker; ``pending_count`` feeds the
    tab's badge. Until the first page arrives the table is empty; a newer request drops older answers."""

    COLUMNS = REVIEW_COLUMNS
    pending_count_changed = Signal(int)
    loaded = Signal()  # the first page of a refresh is shown

    def __init__(self, tasks: TaskManager, location_id: int | None, parent: Any = None, load: bool = True) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.location_id = location_id
        self.state: ReviewState | None = None
        self.pending_count = 0
        self._more = False
        self._fetching = False
        self._generation = 0
        self._now = now_us()
        self.contacts: dict[int, ContactRow] = {}
        if load:
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
        self._generation += 1
        self._fetching = True
        self._ask(0, self._show_first)

    def _ask(self, offset: int, shown: Callable[[ops.ReviewPage], None]) -> None:
        state, location_id, generation = self.state, self.location_id, self._generation
        (QueryOp(self._tasks, lambda ctx: ops.review_page(ctx, state, location_id, offset, PAGE_SIZE))
         .only_if(lambda: generation == self._generation)
         .success(shown)
         .failure(self._failed)
         .run_in_background())

    def _failed(self, _error: BaseException) -> None:
        """Reported once, with Retry; the view asks for no further page until then."""
        self._fetching = False
        self._more = False

    def _show_first(self, page: ops.ReviewPage) -> None:
        self.beginResetModel()
        self._now = now_us()
        self.rows = list(page.rows)
        self.contacts = dict(page.contacts)
        self._more = page.more
        self._fetching = False
        self.endResetModel()
        self.pending_count = page.pending or 0
        self.pending_count_changed.emit(self.pending_count)
        self.loaded.emit()

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._fetching:
            return
        self._fetching = True
        self._ask(len(self.rows), self._append)

    def _append(self, page: ops.ReviewPage) -> None:
        self._fetching = False
        self._more = page.more
        self.contacts.update(page.contacts)
        if page.rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()

    def review_at(self, row: int) -> Review | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, review_id: int) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.id == review_id), None)

    # -- the table

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        review = self.rows[index.row()]
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
            self.contact_text(review),
            review.channel.label,
            review.submitted_by,
            review.decided_by or "",
        )
        return values[column] if 0 <= column < len(values) else None

    def contact_text(self, review: Review) -> str:
        """The contact's name and the address the reviewed channel uses: "Cara Brown · cara.b@example.com"."""
        name = review.contact_name or f"#{review.contact_id}"
        address = review_address(self.contacts.get(review.contact_id), review.channel)
        return f"{name} · {address}" if address else name

    def _tooltip(self, review: Review, column: int) -> str | None:
        if column == AGE_COLUMN:
            return f"Submitted {when_words(review.submitted_at_us)} ({when_iso(review.submitted_at_us)})"
        if column == CONTACT_COLUMN:
            row = self.contacts.get(review.contact_id)
            parts = [review.contact_name or "", f"#{review.contact_id}"]
            if row is not None:
                parts += [row.email or "", row.phone or ""]
            return " · ".join(p for p in parts if p)
        if column == STATE_COLUMN and review.reason:
            return f"{STATE_WORDS[review.state]}: {review.reason}"
        return self._display(review, column)
