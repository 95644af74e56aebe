"""The contact list as a Qt table model: a count, and pages of rows fetched on the database worker.

Like Anki's browser table: the model holds a small cache of rows; a row whose page is not loaded yet shows
as a placeholder ("Loading...") and its page is asked for once; ``data()`` never queries the database.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from console.domain.channels import CHANNEL_ORDER, Channel, channels_in
from console.domain.events import now_us
from console.domain.explain import describe_state
from console.domain.state import Status, status_of
from console.store.contact_list import ContactFilter, ContactRow, SortKey
from console.ui import ops
from console.ui.icons import KIND_WORDS, NO_ADDRESS_ICON, channel_icon, list_icon, state_icon_name
from console.ui.operations import QueryOp
from console.ui.taskman import TaskManager

CONTACT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3
ICON_ROLE = Qt.ItemDataRole.UserRole + 4  # the name of the state's icon (ui/icons.py LEGEND)

FIXED_COLUMNS = ("Name", "Email", "Phone", "Status")
SORT_KEYS: dict[int, SortKey] = {0: SortKey.NAME, 1: SortKey.EMAIL, 2: SortKey.PHONE, 3: SortKey.STATUS}
STATUS_COLUMN = 3
PAGE_SIZE = 200
#: A loaded row is read again this long after its manual DND ends (the read then finds it off).
END_MARGIN_MS = 500
#: The longest single wait for an end (a QTimer holds about 24 days; a long wait is simply renewed).
MAX_END_WAIT_MS = 6 * 3600 * 1000
CACHED_PAGES = 24
STATUS_WORDS = {Status.ON: "On", Status.OFF: "Off", Status.PARTIAL: "Partial"}
LOADING = "Loading..."
NOT_LOADED = "Not loaded: see the message above"

AnyIndex = QModelIndex | QPersistentModelIndex
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
#: The roles this model answers; a view asks for about ten per cell on every paint, the others return at once.
ANSWERED_ROLES = frozenset({
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.AccessibleTextRole, CONTACT_ID_ROLE, STATUS_ROLE, KIND_ROLE, ICON_ROLE,
})


class ContactTableModel(QAbstractTableModel):
    """Holds the filter, the matching count and a small cache of pages; never the whole list."""

    count_changed = Signal(int)  # a new list (filter, sort, refresh) is shown

    def __init__(self, tasks: TaskManager, flt: ContactFilter | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._filter = flt
        self._generation = 0  # bumped by every new list: answers for an older one are dropped
        self._count = 0
        self._counting = False
        self._connected = 0
        self._channels: list[Channel] = []
        self._pages: OrderedDict[int, list[ContactRow]] = OrderedDict()
        self._loading: set[int] = set()
        self._failed: set[int] = set()
        self._listing: QueryOp[ops.ContactListing] | None = None
        # The next end of a manual DND among the loaded rows: then those rows are read again (off from then on).
        self._end_timer = QTimer(self)
        self._end_timer.setSingleShot(True)
        self._end_timer.timeout.connect(self._ends_came)
        if flt is not None:
            self.set_filter(flt)

    # -- what the window asks for

    @property
    def filter(self) -> ContactFilter | None:
        return self._filter

    @property
    def channels(self) -> list[Channel]:
        """The connected channels, one indicator column each."""
        return list(self._channels)

    @property
    def loading(self) -> bool:
        """A list or a page is still on its way."""
        return self._listing is not None or bool(self._loading - self._failed)

    def set_filter(self, flt: ContactFilter) -> None:
        """Ask for the list this filter gives; the current rows stay until it arrives."""
        self._filter = flt
        self._generation += 1
        if self._listing is not None:
            self._listing.cancel()  # typing fast: only the last search runs to its end
        generation = self._generation
        listing: QueryOp[ops.ContactListing] = QueryOp(
            self.tasks, lambda ctx: ops.contact_listing(ctx, flt, PAGE_SIZE)
        )
        listing.with_progress("Searching contacts...").only_if(lambda: generation == self._generation)
        listing.success(self._show_listing).failure(lambda _error: self._listing_ended(listing))
        listing.cancelled(lambda: self._listing_ended(listing))
        self._listing = listing
        listing.run_in_background()

    def refresh(self) -> None:
        """Run the query again (after an import or an integration change)."""
        if self._filter is not None:
            self.set_filter(self._filter)

    def contact_id(self, row: int) -> int | None:
        found = self._cached(row)
        return found.id if found is not None else None

    def row_of(self, contact_id: int) -> int | None:
        """The row of a contact among the cached pages."""
        for page, rows in self._pages.items():
            for offset, found in enumerate(rows):
                if found.id == contact_id:
                    return page * PAGE_SIZE + offset
        return None

    def cached_ids(self) -> list[int]:
        """The contacts whose rows are loaded (on screen or near it)."""
        return [found.id for rows in self._pages.values() for found in rows]

    def refresh_contacts(self, ids: Iterable[int]) -> None:
        """Read these contacts' rows again after a change; each row stays where it is until the next search."""
        wanted = sorted(set(ids))
        if not wanted:
            return
        generation = self._generation
        (QueryOp(self.tasks, lambda ctx: ops.contact_rows(ctx, wanted))
         .only_if(lambda: generation == self._generation)
         .success(self._replace_rows)
         .run_in_background())

    # -- answers from the worker

    def _show_listing(self, listing: ops.ContactListing) -> None:
        self._listing = None
        self.beginResetModel()
        self._count = listing.count
        self._connected = listing.connected
        self._channels = channels_in(listing.connected)
        self._pages.clear()
        self._loading.clear()
        self._failed.clear()
        if listing.first_page:
            self._pages[0] = list(listing.first_page)
        self._counting = not listing.exact
        self.endResetModel()
        self._arm_end_timer()
        self.count_changed.emit(self._count)
        if self._counting:  # very many match: the list is shown, the rest are counted now and added after
            self._count_all()

    @property
    def counting(self) -> bool:
        """The count shown is a lower bound: the exact one is on its way."""
        return self._counting

    def _count_all(self) -> None:
        flt, generation = self._filter, self._generation
        if flt is None:
            return
        (QueryOp(self.tasks, lambda ctx: ops.contact_count(ctx, flt))
         .only_if(lambda: generation == self._generation)
         .success(self._counted)
         .run_in_background())

    def _counted(self, count: int) -> None:
        self._counting = False
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:  # changed meanwhile: fewer than the first look found
            self.beginRemoveRows(QModelIndex(), count, self._count - 1)
            self._count = count
            for page in [p for p in self._pages if p * PAGE_SIZE >= count]:
                del self._pages[page]
            self.endRemoveRows()
        self.count_changed.emit(self._count)

    def _listing_ended(self, listing: QueryOp[ops.ContactListing]) -> None:
        """Failed (reported, with Retry) or cancelled by the agent: the rows shown stay."""
        if self._listing is listing:
            self._listing = None

    def _request_page(self, page: int) -> None:
        if page in self._loading or self._filter is None:
            return
        self._loading.add(page)
        flt, generation = self._filter, self._generation
        (QueryOp(self.tasks, lambda ctx: ops.contact_page(ctx, flt, page * PAGE_SIZE, PAGE_SIZE))
         .only_if(lambda: generation == self._generation)
         .success(lambda rows: self._page_loaded(page, rows))
         .failure(lambda _error: self._page_failed(page))
         .run_in_background())

    def _page_loaded(self, page: int, rows: Sequence[ContactRow]) -> None:
        self._loading.discard(page)
        self._failed.discard(page)
        self._pages[page] = list(rows)
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        self._page_changed(page)
        self._arm_end_timer()

    def _page_failed(self, page: int) -> None:
        """Shown once (the op's message has Retry); the page is not asked for again until then."""
        self._failed.add(page)
        self._page_changed(page)

    def _page_changed(self, page: int) -> None:
        first, last = page * PAGE_SIZE, min(self._count, (page + 1) * PAGE_SIZE) - 1
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))

    def _replace_rows(self, fresh: dict[int, ContactRow]) -> None:
        """Put the fresh rows in place; one ``dataChanged`` over the rows that changed (one repaint)."""
        changed: list[int] = []
        for page, rows in self._pages.items():
            for offset, found in enumerate(rows):
                if found.id in fresh:
                    rows[offset] = fresh[found.id]
                    changed.append(page * PAGE_SIZE + offset)
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), self.columnCount() - 1))
        self._arm_end_timer()

    # -- manual DND that ends

    def _ends(self) -> list[tuple[int, int]]:
        """(end, contact id) of every manual DND with an end among the loaded rows."""
        return [(state.until_us, found.id) for rows in self._pages.values() for found in rows
                for state in found.states.values() if state.dnd and state.until_us is not None]

    def _arm_end_timer(self) -> None:
        ends = self._ends()
        if not ends:
            self._end_timer.stop()
            return
        wait_ms = (min(end for end, _ in ends) - now_us()) // 1000 + END_MARGIN_MS
        self._end_timer.start(int(min(max(wait_ms, END_MARGIN_MS), MAX_END_WAIT_MS)))

    def _ends_came(self) -> None:
        """Rows whose DND has ended are read again; the timer is armed again when they arrive."""
        now = now_us()
        ended = sorted({cid for end, cid in self._ends() if end <= now})
        if ended:
            self.refresh_contacts(ended)
        else:
            self._arm_end_timer()  # woken early (the wait is capped): wait on

    def _cached(self, row: int) -> ContactRow | None:
        """The row if its page is loaded; otherwise None, and its page is asked for (once)."""
        if row < 0 or row >= self._count:
            return None
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            if page not in self._failed:
                self._request_page(page)
            return None
        self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    # -- Qt model interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIXED_COLUMNS) + len(self._channels)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or section < 0 or section >= self.columnCount():
            return None
        if section < len(FIXED_COLUMNS):
            return FIXED_COLUMNS[section] if role == Qt.ItemDataRole.DisplayRole else None
        channel = self._channels[section - len(FIXED_COLUMNS)]
        if role == Qt.ItemDataRole.DisplayRole:
            return SHORT_LABELS[channel]
        if role == Qt.ItemDataRole.DecorationRole:
            return channel_icon(channel)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{channel.label}: DND kind per contact"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in ANSWERED_ROLES or not index.isValid() or index.column() >= self.columnCount():
            return None
        row = index.row()
        return self._value(self._cached(row), row, index.column(), role)

    def _value(self, found: ContactRow | None, row: int, column: int, role: int) -> Any:
        if found is None:
            if role == Qt.ItemDataRole.DisplayRole and column == 0:
                return NOT_LOADED if row // PAGE_SIZE in self._failed else LOADING
            return None
        if role == CONTACT_ID_ROLE:
            return found.id
        if column < STATUS_COLUMN:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return (found.name, found.email, found.phone)[column] or ""
            return None
        if column == STATUS_COLUMN:
            return self._status_data(found, role)
        return self._channel_data(found, self._channels[column - len(FIXED_COLUMNS)], role)

    def _status_data(self, found: ContactRow, role: int) -> Any:
        status = status_of(found.dnd_mask, self._connected)
        if role == STATUS_ROLE:
            return status.value
        if role == Qt.ItemDataRole.DisplayRole:
            return STATUS_WORDS[status]
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"DND status: {STATUS_WORDS[status]}"
        return None

    def _channel_data(self, found: ContactRow, channel: Channel, role: int) -> Any:
        state = found.state(channel)
        if role == KIND_ROLE:
            return state.kind.value if state.kind else ""
        if role in (Qt.ItemDataRole.DecorationRole, ICON_ROLE):
            name = state_icon_name(channel, state, True, bool(found.email), bool(found.phone))
            return list_icon(name) if role == Qt.ItemDataRole.DecorationRole else name
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole) and not state.dnd and (
                state_icon_name(channel, state, True, bool(found.email), bool(found.phone)) == NO_ADDRESS_ICON):
            need = "email address" if channel == Channel.EMAIL else "phone number"
            return f"{channel.label}: no address (no {need}), nothing can be sent"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{channel.label}: {KIND_WORDS[state.kind]}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if not state.dnd:
                return f"{channel.label}: not DND"
            return f"{channel.label}: {KIND_WORDS[state.kind]}\n{describe_state(channel, state)}"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if self._filter is not None and (key != self._filter.sort or descending != self._filter.descending):
            self.set_filter(replace(self._filter, sort=key, descending=descending))


SHORT_LABELS: dict[Channel, str] = {
    Channel.EMAIL: "Email",
    Channel.SMS: "SMS",
    Channel.CALL: "Calls",
    Channel.FACEBOOK: "FB",
    Channel.GMB: "GMB",
    Channel.WHATSAPP: "WA",
}
assert set(SHORT_LABELS) == set(CHANNEL_ORDER)
