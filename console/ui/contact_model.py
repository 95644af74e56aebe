"""The contact list as a Qt table model: a count, and pages of rows fetched from SQL as the view needs them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from console.domain.channels import CHANNEL_ORDER, Channel, channels_in
from console.domain.explain import describe_state
from console.domain.state import Status, status_of
from console.errors import UserError
from console.store.contact_list import (
    ContactFilter,
    ContactRow,
    SortKey,
    contact_page,
    contact_rows,
    count_contacts,
)
from console.store.db import Store
from console.store.locations import connected_mask
from console.ui.icons import KIND_WORDS, channel_icon, kind_icon

CONTACT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3

FIXED_COLUMNS = ("Name", "Email", "Phone", "Status")
SORT_KEYS: dict[int, SortKey] = {0: SortKey.NAME, 1: SortKey.EMAIL, 2: SortKey.PHONE, 3: SortKey.STATUS}
STATUS_COLUMN = 3
PAGE_SIZE = 200
CACHED_PAGES = 24
STATUS_WORDS = {Status.ON: "On", Status.OFF: "Off", Status.PARTIAL: "Partial"}

AnyIndex = QModelIndex | QPersistentModelIndex


class ContactTableModel(QAbstractTableModel):
    """Holds the filter, the matching count and a small cache of pages; never the whole list."""

    count_changed = Signal(int)
    load_failed = Signal(str)

    def __init__(self, store: Store, flt: ContactFilter, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._filter = flt
        self._count = 0
        self._connected = 0
        self._channels: list[Channel] = []
        self._pages: OrderedDict[int, list[ContactRow]] = OrderedDict()
        self._reload()

    # -- what the window asks for

    @property
    def filter(self) -> ContactFilter:
        return self._filter

    @property
    def channels(self) -> list[Channel]:
        """The connected channels, one indicator column each."""
        return list(self._channels)

    def set_filter(self, flt: ContactFilter) -> None:
        self.beginResetModel()
        self._filter = flt
        self._reload()
        self.endResetModel()
        self.count_changed.emit(self._count)

    def refresh(self) -> None:
        """Re-run the query (after an import or an integration change)."""
        self.set_filter(self._filter)

    def contact_id(self, row: int) -> int | None:
        found = self._row(row)
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
        """Reload these contacts' rows in place after a change; the row stays until the next search."""
        wanted = set(ids)
        with self._store.read() as session:
            fresh = contact_rows(session, sorted(wanted))
        last = self.columnCount() - 1
        for page, rows in self._pages.items():
            for offset, found in enumerate(rows):
                if found.id in fresh:
                    rows[offset] = fresh[found.id]
                    row = page * PAGE_SIZE + offset
                    self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    # -- loading

    def _reload(self) -> None:
        self._pages.clear()
        try:
            with self._store.read() as session:
                self._connected = connected_mask(session, self._filter.location_id)
                self._count = count_contacts(session, self._filter)
        except UserError as exc:
            self._count = 0
            self.load_failed.emit(str(exc))
        self._channels = channels_in(self._connected)

    def _row(self, row: int) -> ContactRow | None:
        if row < 0 or row >= self._count:
            return None
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            rows = self._load_page(page)
        else:
            self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    def _load_page(self, page: int) -> list[ContactRow]:
        try:
            with self._store.read() as session:
                rows = contact_page(session, self._filter, page * PAGE_SIZE, PAGE_SIZE)
        except UserError as exc:
            self.load_failed.emit(str(exc))
            rows = []
        self._pages[page] = rows
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    # -- Qt model interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIXED_COLUMNS) + len(self._channels)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

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
        if not index.isValid() or index.column() >= self.columnCount():
            return None
        found = self._row(index.row())
        if found is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        column = index.column()
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
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(state.kind)
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
        if key != self._filter.sort or descending != self._filter.descending:
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
